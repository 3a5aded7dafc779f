"""NumPy LogME written from the papers (You et al. ICML 2021 / JMLR 2022 fixed point), used only
as the speed reference of bench/logme-bench.ts. Reads features and labels .npy, times the
compute only (file loading and one untimed warm-up run excluded), prints JSON {score, times_ms, variant}.

Two variants, both plain NumPy:
  reference: SVD of FᵀF as in the authors' code, U formed explicitly (F·V/s), x = Uᵀy.
  eigh:      eigh of FᵀF and x = Vᵀ(Fᵀy)/s without forming U (a tuned NumPy port).
Usage: python3 bench/logme_numpy.py features.npy labels.npy runs
"""
import json
import sys
import time

import numpy as np


def fixed_point(sigma, x2, res_x2, n, d):
    alpha, beta = 1.0, 1.0
    for _ in range(11):
        t = alpha / beta
        gamma = (sigma / (sigma + t)).sum()
        m2 = (sigma * x2 / ((t + sigma) ** 2)).sum()
        res2 = (x2 / ((1 + sigma / t) ** 2)).sum() + res_x2
        alpha = gamma / (m2 + 1e-5)
        beta = (n - gamma) / (res2 + 1e-5)
        if abs(alpha / beta - t) / t <= 1e-3:
            break
    k = len(sigma)
    evidence = (d / 2.0 * np.log(alpha) + n / 2.0 * np.log(beta)
                - 0.5 * np.sum(np.log(alpha + beta * sigma)) - beta / 2.0 * res2
                - alpha / 2.0 * m2 - n / 2.0 * np.log(2 * np.pi) - (d - k) / 2.0 * np.log(alpha))
    return evidence / n


def logme_reference(f, labels):
    n, d = f.shape
    u, s, vh = np.linalg.svd(f.T @ f)
    s = np.sqrt(s)
    keep = s > 1e-10
    s, vh = s[keep], vh[keep]
    u = (f @ vh.T) / s.reshape(1, -1)
    sigma = s ** 2
    evidences = []
    for c in range(int(labels.max()) + 1):
        y = (labels == c).astype(np.float64)
        x = u.T @ y
        x2 = x ** 2
        res_x2 = max((y ** 2).sum() - x2.sum(), 0.0)
        evidences.append(fixed_point(sigma, x2, res_x2, n, d))
    return float(np.mean(evidences))


def logme_eigh(f, labels):
    n, d = f.shape
    classes = int(labels.max()) + 1
    onehot = np.zeros((n, classes))
    onehot[np.arange(n), labels] = 1.0
    values, vectors = np.linalg.eigh(f.T @ f)
    keep = values > 1e-20
    sigma, vectors = values[keep], vectors[:, keep]
    projected = vectors.T @ (f.T @ onehot)
    evidences = []
    for c in range(classes):
        x2 = projected[:, c] ** 2 / sigma
        res_x2 = max(onehot[:, c].sum() - x2.sum(), 0.0)
        evidences.append(fixed_point(sigma, x2, res_x2, n, d))
    return float(np.mean(evidences))


def main():
    features = np.load(sys.argv[1]).astype(np.float64)
    labels = np.load(sys.argv[2]).astype(np.int64)
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    out = {}
    for name, function in (("reference", logme_reference), ("eigh", logme_eigh)):
        times, score = [], None
        function(features, labels)  # warm-up (BLAS thread pool, first allocations), not timed
        for _ in range(runs):
            start = time.perf_counter()
            score = function(features, labels)
            times.append((time.perf_counter() - start) * 1000)
        out[name] = {"score": score, "times_ms": times, "median_ms": float(np.median(times))}
    out["numpy"] = np.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
