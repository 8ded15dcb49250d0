package org.compliancepipeline.sink.search;

import co.elastic.clients.transport.rest5_client.low_level.Request;
import co.elastic.clients.transport.rest5_client.low_level.RequestOptions;
import co.elastic.clients.transport.rest5_client.low_level.Response;
import co.elastic.clients.transport.rest5_client.low_level.ResponseException;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Asks the cluster for its health every few seconds in the background, so {@code /ready} can say
 * at once whether Elasticsearch answers (and is not red) without a round trip on the request
 * thread. A 401/403 means it answers but this key may not read cluster health: reachable.
 */
final class ClusterProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterProbe.class);
    private static final RequestOptions QUICK = RequestOptions.DEFAULT.toBuilder()
            .setRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(3))
                    .setConnectionRequestTimeout(Timeout.ofSeconds(3)).build()).build();

    private final Rest5Client client;
    private final ObjectMapper json;
    private final SearchMetrics metrics;
    private final ScheduledExecutorService timer;
    private volatile HealthCheck.Result state = HealthCheck.Result.notReady("elasticsearch not probed yet");

    ClusterProbe(Rest5Client client, ObjectMapper json, SearchMetrics metrics, Duration every) {
        this.client = client;
        this.json = json;
        this.metrics = metrics;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("elasticsearch-probe").factory());
        timer.scheduleWithFixedDelay(this::probe, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    HealthCheck.Result state() {
        return state;
    }

    void probe() {
        HealthCheck.Result next;
        try {
            Request get = new Request("GET", "/_cluster/health");
            get.addParameter("filter_path", "status");
            get.setOptions(QUICK);
            Response r = ElasticsearchConnection.perform(client, get);
            String status = json.readTree(r.getEntity().getContent()).path("status").asText("unknown");
            next = "red".equals(status) ? HealthCheck.Result.notReady("elasticsearch cluster is red")
                    : HealthCheck.Result.ready("elasticsearch " + status);
        } catch (ResponseException e) {
            int code = e.getResponse().getStatusCode();
            next = code == 401 || code == 403 ? HealthCheck.Result.ready("elasticsearch answers (" + code + " on cluster health)")
                    : HealthCheck.Result.notReady("elasticsearch answers " + code);
        } catch (Exception e) {
            next = HealthCheck.Result.notReady("elasticsearch unreachable: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        if (next.ready() != state.ready()) {
            if (next.ready()) log.info("{}", next.detail());
            else log.warn("{}", next.detail());
        }
        metrics.up(next.ready());
        state = next;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
