"""Verification engine figures on synthetic labelled data (run by hand; prints Markdown).

    nice .venv/bin/python -m bench.verification --documents 300 --pairs 300 --timing 40

Documents, selfies and their labels come from bench/verification_data.py (read its docstring for
what the face figures can and cannot say: two real people only).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import statistics
import time
from collections import Counter
from datetime import date

from bench.verification_data import (
    FACES,
    MISMATCH_FIELDS,
    SyntheticDocument,
    selfie,
    synthetic_document,
    with_claim_mismatch,
)
from gangway.verification.engine import BuiltinEngine, VerificationInputs
from gangway.verification.engine.claims_match import compare_with_claims
from gangway.verification.engine.faces import MATCH_DISTANCE, find_faces
from gangway.verification.engine.mrz import read_mrz
from gangway.verification.engine.quality import ImageKind, upload_problem

EXPECTED_PROBLEM = {
    "none": None,
    "blur": "photo_blurred",
    "dark": "photo_too_dark",
    "glare": "photo_glare",
}


def _degradation(i: int) -> str:
    # Three in four photos are ordinary (still rotated, tilted, noisy, JPEG 50-90); the rest are
    # degraded on purpose, in equal shares.
    return (
        "none",
        "none",
        "none",
        "blur",
        "none",
        "none",
        "none",
        "dark",
        "none",
        "none",
        "none",
        "glare",
    )[i % 12]


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # Tesseract runs as a child process
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} = {100 * hits / total:.1f} %" if total else "n/a"


def bench_documents(documents: list[SyntheticDocument], rng: random.Random) -> None:
    exact = Counter[str]()
    totals = Counter[str]()
    outcomes = Counter[str]()
    detected, mismatch_total = 0, 0
    quality_agree, quality_total = Counter[str](), Counter[str]()
    for i, document in enumerate(documents):
        side = document.back if document.back is not None else document.front
        read = read_mrz(side)
        ok = read.data is not None and read.data.lines == document.mrz
        key = document.degradation
        totals[key] += 1
        exact[key] += ok
        if read.data is None:
            outcomes["unreadable (warn)"] += 1
        elif not read.data.valid:
            outcomes["check digits invalid (warn)"] += 1
        elif ok:
            outcomes["read exactly"] += 1
        else:
            outcomes["valid but wrong (undetected misread)"] += 1
        if read.data is not None and read.data.valid:
            field = MISMATCH_FIELDS[i % len(MISMATCH_FIELDS)]
            claims = with_claim_mismatch(document.person, field, rng).claims(document.format)
            found = [m for m in compare_with_claims(read.data, claims) if not m.near]
            mismatch_total += 1
            detected += any(m.field == field for m in found)
        problem = upload_problem(document.front, ImageKind.document)
        quality_total[key] += 1
        quality_agree[key] += problem == EXPECTED_PROBLEM[key]
    print("## MRZ\n")
    print(f"- exact read after correction, ordinary photos: {_rate(exact['none'], totals['none'])}")
    print(
        f"- exact read after correction, all photos (incl. blur/dark/glare): {_rate(sum(exact.values()), sum(totals.values()))}"
    )
    for key in ("blur", "dark", "glare"):
        print(f"  - {key}: {_rate(exact[key], totals[key])}")
    print(f"- outcomes: {dict(outcomes)}")
    print(
        f"- claim mismatch detected (one field changed per document, cycling {', '.join(MISMATCH_FIELDS)}): {_rate(detected, mismatch_total)}"
    )
    print("\n## Image quality (upload_problem against the degradation label)\n")
    for key in ("none", "blur", "dark", "glare"):
        print(
            f"- documents, {key} → {EXPECTED_PROBLEM[key]}: {_rate(quality_agree[key], quality_total[key])}"
        )


def bench_faces(documents: list[SyntheticDocument], pairs: int, rng: random.Random) -> None:
    genuine: list[float] = []
    impostor: list[float] = []
    no_face = Counter[str]()
    selfie_agree, selfie_total = 0, 0
    for i in range(pairs):
        document = documents[i % len(documents)]
        on_document = find_faces(document.front)
        degradation = "blur" if i % 10 == 9 else "none"
        same = selfie(document.person.face, rng, "none")
        other = selfie(next(f for f in FACES if f != document.person.face), rng, "none")
        probe = selfie(document.person.face, rng, degradation)
        selfie_total += 1
        selfie_agree += upload_problem(probe, ImageKind.selfie) == EXPECTED_PROBLEM[degradation]
        if len(on_document.faces) != 1:
            no_face[f"document faces={len(on_document.faces)} ({document.degradation})"] += 1
            continue
        for target, bucket in ((same, genuine), (other, impostor)):
            in_selfie = find_faces(target)
            if len(in_selfie.faces) != 1:
                no_face[f"selfie faces={len(in_selfie.faces)}"] += 1
                # A missed face is a rejection: it counts against genuine pairs, for impostors.
                bucket.append(9.0)
                continue
            bucket.append(
                float(
                    ((on_document.faces[0].embedding - in_selfie.faces[0].embedding) ** 2).sum()
                    ** 0.5
                )
            )
    print("\n## Face match\n")
    print(
        f"- pairs: {len(genuine)} genuine, {len(impostor)} impostor (document photo vs selfie); skipped: {dict(no_face)}"
    )
    for threshold in (0.45, 0.5, MATCH_DISTANCE, 0.6):
        far = sum(d <= threshold for d in impostor)
        frr = sum(d > threshold for d in genuine)
        mark = " (engine threshold)" if threshold == MATCH_DISTANCE else ""
        print(
            f"- distance ≤ {threshold}{mark}: FAR {_rate(far, len(impostor))}, FRR {_rate(frr, len(genuine))}"
        )
    real_g = [d for d in genuine if d < 9]
    real_i = [d for d in impostor if d < 9]
    if real_g and real_i:
        print(
            f"- genuine distance median {statistics.median(real_g):.3f}, max {max(real_g):.3f}; impostor min {min(real_i):.3f}, median {statistics.median(real_i):.3f}"
        )
    print(
        f"- selfie quality agreement (1 in 10 blurred on purpose): {_rate(selfie_agree, selfie_total)}"
    )


def _submission(seed: int) -> VerificationInputs:
    rng = random.Random(seed)
    document = synthetic_document(rng, degradation="none")
    return VerificationInputs(
        document.front,
        selfie(document.person.face, rng),
        document.back,
        document.person.claims(document.format),
    )


def _verify(inputs: VerificationInputs) -> float:
    started = _cpu()
    BuiltinEngine().verify(inputs)
    return _cpu() - started


def bench_timing(count: int) -> None:
    submissions = [_submission(10_000 + i) for i in range(count)]
    _verify(submissions[0])  # load the models once, as a worker does
    cpu = sorted(_verify(s) for s in submissions)
    p50, p95 = cpu[len(cpu) // 2], cpu[min(len(cpu) - 1, int(0.95 * len(cpu)))]
    print("\n## Time\n")
    print(
        f"- CPU per submission (engine + Tesseract child), {count} submissions: p50 {p50:.2f} s, p95 {p95:.2f} s, max {cpu[-1]:.2f} s"
    )
    for workers in (1, 2):
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_verify, submissions[:workers])  # warm-up: models loaded in each worker
            started = time.perf_counter()
            pool.map(_verify, submissions, chunksize=1)
            elapsed = time.perf_counter() - started
        print(
            f"- {workers} worker process(es): {60 * count / elapsed:.0f} verifications per minute (wall clock, {count} submissions)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--timing", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"# Verification bench, {date.today().isoformat()}, seed {args.seed}\n")
    started = time.perf_counter()
    documents = [
        synthetic_document(rng, degradation=_degradation(i)) for i in range(args.documents)
    ]
    print(f"(generated {len(documents)} documents in {time.perf_counter() - started:.0f} s)\n")
    bench_documents(documents, rng)
    bench_faces(documents, args.pairs, rng)
    bench_timing(args.timing)


if __name__ == "__main__":
    main()
