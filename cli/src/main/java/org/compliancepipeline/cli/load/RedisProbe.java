package org.compliancepipeline.cli.load;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** sink-cache's recent-record keys {@code <prefix>rec:{recordId}}, one pipelined EXISTS per id. */
public final class RedisProbe implements StoreProbe {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final String prefix;

    public RedisProbe(String url, String password, String keyPrefix) {
        RedisURI uri = RedisURI.create(url);
        if (password != null && !password.isEmpty()) uri.setAuthentication(password);
        uri.setTimeout(Duration.ofSeconds(5));
        client = RedisClient.create(uri);
        connection = client.connect();
        prefix = keyPrefix;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Set<String> visible(Collection<String> recordIds) {
        List<String> ids = new ArrayList<>(recordIds);
        List<RedisFuture<Long>> replies = new ArrayList<>(ids.size());
        var async = connection.async();
        for (String id : ids) replies.add(async.exists(prefix + "rec:{" + id + "}"));
        LettuceFutures.awaitAll(Duration.ofSeconds(5), replies.toArray(new RedisFuture[0]));
        Set<String> found = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            if (replies.get(i).toCompletableFuture().getNow(0L) == 1L) found.add(ids.get(i));
        }
        return found;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
