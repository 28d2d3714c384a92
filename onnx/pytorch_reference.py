#!/usr/bin/python3
"""The seed network in PyTorch, evaluated exactly as `./tidings evaluate` evaluates ours.

Same CSV (user,channel,post,vote,ts), same temporal split (oldest 80% train, newest 20% validate, stable on
equal times), same network (reader 100 ++ channel 80 ++ post 20 -> 70 -> ReLU -> 1 -> sigmoid), same settings
(Adam lr 0.003, L2 1e-5 on the rows and weights a batch uses, batches of 128, embeddings N(0, 0.1), He-initialised
layers; lazy Adam on the embedding rows, as ours), same epoch choice (train on the oldest 90% of the training votes, stop when the loss on the newest 10%
has not improved for 3 epochs, then train afresh on all training votes for the best epoch count), and the same
cold start (ids never seen in training read the mean row of their table), the same two splits (global
temporal 80/20, and per reader: each reader with at least 5 votes gives their newest 20% to the test set) and
segments (warm readers with at least 5 training votes, cold readers, cold posts). Prints one JSON line:
{"global":{"model":{"auc":..,"logloss":..},"epochs":..,"train_seconds":..,"segments":{..}},"reader":{..},"torch":".."}.

Runs on Debian's PyTorch (`apt-get install python3-torch`; PyPI is not reachable here):
    ./tidings evaluate --synthetic 100000 --save /tmp/votes.csv
    /usr/bin/python3 onnx/pytorch_reference.py /tmp/votes.csv [SEED] [--split global|reader|both]
"""
import csv
import json
import math
import os
import sys
import time

import torch

READER, CHANNEL, POST, HIDDEN = 100, 80, 20, 70
LR, L2, BATCH, MAX_EPOCHS, PATIENCE, INIT_STD, MIN_IMPROVEMENT = 3e-3, 1e-5, 128, 30, 3, 0.1, 1e-6


def read(path):
    rows = []
    with open(path, newline="") as f:
        for i, r in enumerate(csv.DictReader(f)):
            # a post is its channel's message: message ids repeat across channels (as VoteLog keys them)
            rows.append((float(r["ts"]), i, r["user"], r["channel"], r["channel"] + "/" + r["post"],
                         1.0 if r["vote"].strip() == "1" else 0.0))
    rows.sort(key=lambda r: (r[0], r[1]))  # by time, stable
    return rows


class Seed(torch.nn.Module):
    def __init__(self, readers, channels, posts):
        super().__init__()
        # sparse rows with lazy Adam (as ours): dense Adam would keep moving rows a batch did not touch
        self.u = torch.nn.Embedding(readers, READER, sparse=True)
        self.c = torch.nn.Embedding(channels, CHANNEL, sparse=True)
        self.p = torch.nn.Embedding(posts, POST, sparse=True)
        for e in (self.u, self.c, self.p):
            torch.nn.init.normal_(e.weight, 0.0, INIT_STD)
        self.l1 = torch.nn.Linear(READER + CHANNEL + POST, HIDDEN)
        self.l2 = torch.nn.Linear(HIDDEN, 1)
        torch.nn.init.normal_(self.l1.weight, 0.0, math.sqrt(2.0 / (READER + CHANNEL + POST)))
        torch.nn.init.normal_(self.l2.weight, 0.0, math.sqrt(1.0 / HIDDEN))
        torch.nn.init.zeros_(self.l1.bias)
        torch.nn.init.zeros_(self.l2.bias)

    def rows(self, u, c, p):
        """Embedding rows; index -1 reads the table's mean row (the cold-start prior)."""
        out = []
        for table, ids in ((self.u, u), (self.c, c), (self.p, p)):
            known = table(ids.clamp(min=0))
            prior = table.weight.mean(dim=0, keepdim=True).expand_as(known)
            out.append(torch.where((ids >= 0).unsqueeze(1), known, prior))
        return out

    def forward(self, u, c, p):
        x = torch.cat(self.rows(u, c, p), dim=1)
        return self.l2(torch.relu(self.l1(x))).squeeze(1)


def index(rows, seen=None):
    """Maps string ids to rows; with `seen`, ids outside it become -1."""
    maps = seen or ({}, {}, {})
    cols = ([], [], [])
    for r in rows:
        for k in range(3):
            key = r[2 + k]
            if seen is None:
                cols[k].append(maps[k].setdefault(key, len(maps[k])))
            else:
                cols[k].append(maps[k].get(key, -1))
    y = torch.tensor([r[5] for r in rows])
    return [torch.tensor(c, dtype=torch.long) for c in cols], y, maps


def fit(train, stop, epochs, seed=42):
    torch.manual_seed(seed)
    (u, c, p), y, maps = index(train)
    model = Seed(max(1, len(maps[0])), max(1, len(maps[1])), max(1, len(maps[2])))
    tables = [model.u.weight, model.c.weight, model.p.weight]
    dense = [q for q in model.parameters() if all(q is not t for t in tables)]
    opts = (torch.optim.SparseAdam(tables, lr=LR), torch.optim.Adam(dense, lr=LR))
    bce = torch.nn.BCEWithLogitsLoss()
    held = index(stop, maps) if stop else None
    best, best_epoch, bad, best_state = float("inf"), epochs, 0, None
    n = len(train)
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(n)
        for s in range(0, n, BATCH):
            b = perm[s:s + BATCH]
            ru, rc, rp = model.u(u[b]), model.c(c[b]), model.p(p[b])  # every training id has a row
            logits = model.l2(torch.relu(model.l1(torch.cat((ru, rc, rp), dim=1)))).squeeze(1)
            # L2 as in our trainer: each row the batch touches, once, and the layer weights
            used = (model.u(torch.unique(u[b])), model.c(torch.unique(c[b])), model.p(torch.unique(p[b])),
                    model.l1.weight, model.l2.weight)
            loss = bce(logits, y[b]) + 0.5 * L2 * sum((t ** 2).sum() for t in used)
            for o in opts:
                o.zero_grad()
            loss.backward()
            for o in opts:
                o.step()
        if held is None:
            continue
        with torch.no_grad():
            (hu, hc, hp), hy, _ = held
            val = bce(model(hu, hc, hp), hy).item()
        print(f"epoch {epoch}: held-out loss {val:.5f}", file=sys.stderr)
        if val < best - MIN_IMPROVEMENT:
            best, best_epoch, bad = val, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
            if bad >= PATIENCE:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return model, maps, best_epoch


def auc(scores, labels):
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):  # average ranks over ties
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    pos = sum(1 for l in labels if l > 0.5)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    return (sum(r for r, l in zip(ranks, labels) if l > 0.5) - pos * (pos + 1) / 2.0) / (pos * neg)


def split_rows(rows, how):
    """The splits of `./tidings evaluate`: global (oldest 80% train) or reader (each reader with at least 5 votes
    gives their own newest 20%, at least one vote, to the test set; by time, ties in file order)."""
    if how == "global":
        split = round(len(rows) * 0.8)
        return rows[:split], rows[split:]
    by_reader = {}
    for i, r in enumerate(rows):
        by_reader.setdefault(r[2], []).append(i)
    test = set()
    for idx in by_reader.values():
        if len(idx) >= 5:
            k = max(1, int(math.floor(len(idx) * 0.2 + 0.5)))  # Java's Math.round for positives
            test.update(idx[-k:])
    return [r for i, r in enumerate(rows) if i not in test], [r for i, r in enumerate(rows) if i in test]


def scores(ps, ys):
    if not ys:
        return {"auc": None, "logloss": None}
    ps = [min(1 - 1e-7, max(1e-7, p)) for p in ps]
    logloss = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for y, p in zip(ys, ps)) / len(ys)
    a = auc(ps, ys)
    return {"auc": None if a != a else round(a, 5), "logloss": round(logloss, 5)}


def evaluate(rows, how, seed):
    train, val = split_rows(rows, how)
    start = time.time()
    stop_n = max(1, int(len(train) * 0.1))
    _, _, epochs = fit(train[:-stop_n], train[-stop_n:], MAX_EPOCHS, seed)
    model, maps, _ = fit(train, None, max(1, epochs), seed)
    seconds = time.time() - start
    (vu, vc, vp), vy, _ = index(val, maps)
    with torch.no_grad():
        prob = torch.sigmoid(model(vu, vc, vp))
    ys = vy.tolist()
    ps = prob.tolist()
    reader_votes, post_votes = {}, {}
    for r in train:
        reader_votes[r[2]] = reader_votes.get(r[2], 0) + 1
        post_votes[r[4]] = post_votes.get(r[4], 0) + 1
    segments = {
        "warm_readers": lambda r: reader_votes.get(r[2], 0) >= 5,
        "cold_readers": lambda r: r[2] not in reader_votes,
        "cold_posts": lambda r: r[4] not in post_votes,
    }
    out = {"model": scores(ps, ys), "epochs": epochs, "train_seconds": round(seconds, 1), "segments": {}}
    for name, rule in segments.items():
        keep = [i for i, r in enumerate(val) if rule(r)]
        out["segments"][name] = {"votes": len(keep), "model": scores([ps[i] for i in keep], [ys[i] for i in keep])}
    return out


def main(path, seed, how):
    torch.set_num_threads(os.cpu_count() or 1)  # Debian's build starts with one thread
    rows = read(path)
    report = {s: evaluate(rows, s, seed) for s in (("global", "reader") if how == "both" else (how,))}
    report["torch"] = torch.__version__
    print(json.dumps(report))


if __name__ == "__main__":
    args = sys.argv[1:]
    how = "both"
    if "--split" in args:
        i = args.index("--split")
        how = args[i + 1]
        del args[i:i + 2]
    if len(args) not in (1, 2) or how not in ("global", "reader", "both"):
        sys.exit("usage: pytorch_reference.py VOTES.csv [SEED] [--split global|reader|both]")
    main(args[0], int(args[1]) if len(args) == 2 else 42, how)
