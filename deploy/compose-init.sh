#!/bin/sh
# The one-shot `init` service of docker-compose.yml (runs in the cli image, then exits 0):
#   1. creates the topic catalogue (org.compliancepipeline.platform.kafka.CreateTopics, idempotent);
#   2. loads the reference data the stream processor enriches with: the NIST SP 800-53 rev5 moderate
#      baseline and the sample organisations (pipeline reference load-catalog / load-orgs; loading the
#      same files again writes the same values under the same keys);
#   3. writes the ingest API's keys file from INGEST_API_KEY (.env): one key, id "compose", allowed to
#      write for every organisation (and to read, for the query API). The file holds only the secret's SHA-256, as ApiKeyTool writes it.
# Kafka settings come from the environment (KAFKA_BOOTSTRAP_SERVERS etc.), as for every service.
set -eu

run() { java $JAVA_OPTS --enable-native-access=ALL-UNNAMED -cp '/app/lib/*' "$@"; }

echo "init: creating topics"
run org.compliancepipeline.platform.kafka.CreateTopics

echo "init: loading the control catalog and the sample organisations"
run org.compliancepipeline.cli.PipelineCli reference load-catalog \
  --file /reference-data/oscal/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json \
  --framework nist-800-53-r5 --baseline MODERATE
run org.compliancepipeline.cli.PipelineCli reference load-orgs --file /reference-data/orgs/sample-orgs.json

keys=${INGEST_API_KEYS_FILE:?INGEST_API_KEYS_FILE must name the keys file to write}
case "${INGEST_API_KEY:-}" in
  cpk_?*) ;;
  *) echo "init: INGEST_API_KEY must be set in .env to a secret starting with cpk_ (see .env.example)" >&2; exit 1 ;;
esac
hash=$(printf '%s' "$INGEST_API_KEY" | sha256sum | cut -d' ' -f1)
umask 077
tmp="$keys.tmp.$$"
printf '{"keys": [{"id": "compose", "sha256": "%s", "orgs": ["*"], "scopes": ["records:write", "oscal:write", "query:read"], "revoked": false, "description": "INGEST_API_KEY of docker-compose (.env)"}]}\n' \
  "$hash" > "$tmp"
mv "$tmp" "$keys"   # atomic: the ingest API reloads the file and never sees half of it
echo "init: API keys file $keys written (key id 'compose'); done"
