#!/usr/bin/env bash
# The reference program service's own test suite (src/test/service/programServiceSpec.js of
# Sunbird-coKreat/program-service, unmodified) against a live programhub.
#
#   bench/sunbird_reference_spec.sh REFERENCE [PROGRAMHUB_URL]
#
# REFERENCE: a checkout of Sunbird-coKreat/program-service, or its bare git directory.
# Nothing of it is kept in this repository: the spec, its test data and envVariables.js
# are copied from REFERENCE into a temporary directory at run time, and mocha, chai and
# the other test libraries the reference's package.json names are installed there from
# the npm registry. The spec requires `../../app` (the reference's Express app); in its
# place goes a handler that forwards every request to programhub, adding a key, so the
# spec's requests reach programhub's /program/v1 as they would reach the reference.
#
# Without PROGRAMHUB_URL, a programhub is started on 127.0.0.1:8765 with a fresh SQLite
# database, an organisation and a test key, and stopped afterwards. With it, set
# PROGRAMHUB_KEY to a key of that server.
set -euo pipefail

reference=${1:?usage: $0 REFERENCE [PROGRAMHUB_URL]}
here=$(cd "$(dirname "$0")/.." && pwd)
programhub=${PROGRAMHUB:-$here/.venv/bin/programhub}
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

files=(src/test/service/programServiceSpec.js src/test/testData src/envVariables.js)
if [ -f "$reference/src/test/service/programServiceSpec.js" ]; then
    (cd "$reference" && tar -cf - "${files[@]}") | tar -xf - -C "$work"
else
    git --git-dir="$reference" archive HEAD "${files[@]}" | tar -xf - -C "$work"
fi

cat > "$work/src/app.js" <<'JS'
// In place of the reference's Express app: every request goes to programhub, with a key.
const http = require("http");
const target = new URL(process.env.PROGRAMHUB_URL);
module.exports = (req, res) => {
  const headers = { ...req.headers, host: target.host, authorization: `Bearer ${process.env.PROGRAMHUB_KEY}` };
  const upstream = http.request(
    { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
    (answer) => { res.writeHead(answer.statusCode, answer.headers); answer.pipe(res); },
  );
  upstream.on("error", (error) => { res.writeHead(502); res.end(String(error)); });
  req.pipe(upstream);
};
JS

(cd "$work/src" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent \
    mocha@8.3.0 chai@4.2.0 chai-http@4.3.0 chai-sorted@0.2.0 nock@13.0.2 lodash@4.17.15 moment@2)

if [ -z "${2:-}" ]; then
    export PROGRAMHUB_DATABASE_URL="sqlite:///$work/programhub.db"
    "$programhub" db upgrade >/dev/null
    org=$("$programhub" orgs create "Reference spec" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    PROGRAMHUB_KEY=$("$programhub" keys create --org "$org" --mode test --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
    export PROGRAMHUB_KEY
    export PROGRAMHUB_URL="http://127.0.0.1:8765"
    "$programhub" serve --port 8765 >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do curl -s -o /dev/null "$PROGRAMHUB_URL/program/v1/list" && break; sleep 0.2; done
else
    export PROGRAMHUB_URL=$2
    : "${PROGRAMHUB_KEY:?set PROGRAMHUB_KEY to a key of $PROGRAMHUB_URL}"
fi

cd "$work/src" && NODE_ENV=test npx mocha --timeout 20000 --exit test/service/programServiceSpec.js
