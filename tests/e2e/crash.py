"""kill -9 in the middle of writes: every acknowledged write must be there after a restart, and no stream that
failed may be partly there.

Each round starts the real binary on the same data directory and runs, at the same time, single upserts, bulk
streams that complete, and bulk streams whose client breaks off half-way; then the process is killed with
SIGKILL at a random moment and started again, and every key is checked:
  - an acknowledged single upsert is present;
  - an acknowledged bulk stream is present in full;
  - a stream whose client broke off is absent in full;
  - a stream in flight at the kill is present in full or absent in full (never in part).

    python tests/e2e/crash.py --bin target/release/jobmatch --rounds 70      (the pytest suite runs 3 rounds)
"""

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import Server  # noqa: E402  (also generates the stubs)
from jobmatch.v1 import records_pb2, service_pb2, service_pb2_grpc  # noqa: E402

WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr(n: int) -> str:
    """The n-th valid CVR number (modulus 11) of a range no other test uses."""
    p = 4_000_000 + n * 7
    while True:
        prefix = str(p)
        s = sum(int(d) * w for d, w in zip(prefix, WEIGHTS))
        check = (-s) % 11
        if check < 10:
            return prefix + str(check)
        p += 1


def company(key: str):
    return records_pb2.Company(
        cvr=key, name=f"Crash {key} ApS", industry_code="521000",
        address=records_pb2.Address(street="Testvej 1", postcode="8000"), employees=5)


class Ledger:
    """What was sent and what was acknowledged, per kind of write."""

    def __init__(self):
        self.lock = threading.Lock()
        self.singles_acked = []
        self.streams_acked = []      # lists of keys
        self.streams_in_flight = []  # sent, not acknowledged when the server died
        self.streams_broken = []     # the client broke off: must be absent


def writer_singles(stub, ledger, keys, stop):
    for key in keys:
        if stop.is_set():
            return
        try:
            stub.UpsertCompany(company(key), timeout=5)
        except grpc.RpcError:
            return  # the server is gone: this write is in flight, either outcome is fine
        with ledger.lock:
            ledger.singles_acked.append(key)


def writer_streams(stub, ledger, batches, stop):
    for keys in batches:
        if stop.is_set():
            return
        with ledger.lock:
            ledger.streams_in_flight.append(keys)
        try:
            stub.BulkUpsert((service_pb2.BulkUpsertRequest(company=company(k)) for k in keys), timeout=30)
        except grpc.RpcError:
            return
        with ledger.lock:
            ledger.streams_in_flight.remove(keys)
            ledger.streams_acked.append(keys)


class BreakOff(Exception):
    pass


def writer_broken(stub, ledger, batches, stop):
    for keys in batches:
        if stop.is_set():
            return

        def records():
            for i, k in enumerate(keys):
                if i == len(keys) // 2:
                    raise BreakOff()  # the client fails half-way: grpcio cancels the call
                yield service_pb2.BulkUpsertRequest(company=company(k))

        with ledger.lock:
            ledger.streams_broken.append(keys)
        try:
            stub.BulkUpsert(records(), timeout=30)
        except (grpc.RpcError, BreakOff):
            pass


def present(stub, keys):
    found = 0
    for k in keys:
        try:
            stub.GetCompany(service_pb2.GetCompanyRequest(cvr=k), timeout=5)
            found += 1
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                raise
    return found


def run(binary: Path, rounds: int, seed: int = 1, workdir: Path | None = None, log=print) -> dict:
    rng = random.Random(seed)
    tmp = tempfile.TemporaryDirectory(prefix="jobmatch-crash-") if workdir is None else None
    root = Path(tmp.name) if tmp else workdir
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    totals = {"rounds": 0, "singles_acked": 0, "streams_acked": 0, "streams_broken": 0,
              "streams_in_flight": 0, "in_flight_committed": 0, "lost": 0, "partial": 0, "broken_present": 0}
    next_key = 0
    try:
        for r in range(rounds):
            server = Server(data, binary=binary, demo=False).start()
            stub = service_pb2_grpc.CompanyServiceStub(server.channel)
            ledger = Ledger()
            stop = threading.Event()
            singles = [cvr(next_key + i) for i in range(2000)]
            next_key += 2000
            batches, broken = [], []
            for _ in range(40):
                batches.append([cvr(next_key + i) for i in range(rng.choice([50, 200, 1000]))])
                next_key += len(batches[-1])
                broken.append([cvr(next_key + i) for i in range(200)])
                next_key += 200
            threads = [threading.Thread(target=writer_singles, args=(stub, ledger, singles, stop)),
                       threading.Thread(target=writer_streams, args=(stub, ledger, batches, stop)),
                       threading.Thread(target=writer_broken, args=(stub, ledger, broken, stop))]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 2.5))
            server.proc.kill()  # SIGKILL: no shutdown code runs
            server.proc.wait(timeout=10)
            stop.set()
            for t in threads:
                t.join(timeout=60)
            server.kill()

            server = Server(data, binary=binary, demo=False).start()
            stub = service_pb2_grpc.CompanyServiceStub(server.channel)
            lost = len(ledger.singles_acked) - present(stub, ledger.singles_acked)
            for keys in ledger.streams_acked:
                lost += len(keys) - present(stub, keys)
            partial = 0
            for keys in ledger.streams_in_flight:
                n = present(stub, keys)
                partial += int(0 < n < len(keys))
                totals["in_flight_committed"] += int(n == len(keys))
            broken_present = sum(present(stub, keys) for keys in ledger.streams_broken)
            server.terminate()
            totals["rounds"] += 1
            totals["singles_acked"] += len(ledger.singles_acked)
            totals["streams_acked"] += len(ledger.streams_acked)
            totals["streams_broken"] += len(ledger.streams_broken)
            totals["streams_in_flight"] += len(ledger.streams_in_flight)
            totals["lost"] += lost
            totals["partial"] += partial
            totals["broken_present"] += broken_present
            log(f"round {r + 1}: {len(ledger.singles_acked)} single upserts and {len(ledger.streams_acked)} "
                f"streams acknowledged, {len(ledger.streams_broken)} broken off, "
                f"{len(ledger.streams_in_flight)} in flight; lost {lost}, partial {partial}, "
                f"broken present {broken_present}")
            if lost or partial or broken_present:
                break
    finally:
        if tmp:
            tmp.cleanup()
    return totals


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=70)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    totals = run(args.bin, args.rounds, args.seed)
    print(totals)
    sys.exit(1 if totals["lost"] or totals["partial"] or totals["broken_present"] else 0)


if __name__ == "__main__":
    main()
