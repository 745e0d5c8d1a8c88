#!/usr/bin/python3
"""Trains small MNIST networks outside pcmsim (plain numpy) and writes them as ONNX files
laid out the way torch.onnx.export writes them (input [batch, 1, 28, 28] with a dynamic
batch, Flatten, Gemm with transB = 1, Relu, node names like "/fc1/Gemm", weights as
raw_data initializers). They stand for "a model trained elsewhere" in the ONNX examples:
pcmsim only ever sees the .onnx file.

    /usr/bin/python3 scripts/make_onnx_example.py            # writes experiments/onnx/*.onnx

Recipe (an assumption, not tuned to any figure): SGD, momentum 0.9, batch 64, lr 0.05,
8 epochs (MLP) or 4 epochs (CNN) over the 10k training digits of data/mnist, He-uniform
initialisation, seed 7.
Needs Debian's python3-numpy and python3-onnx only.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import mnist_idx

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def load(split):
    x, y = mnist_idx.load(split)
    return x.reshape(-1, 784), y


def train_mlp(sizes, epochs=8, lr=0.05, momentum=0.9, batch=64, seed=7):
    rng = np.random.default_rng(seed)
    x, y = load("train")
    ws, bs = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        lim = np.sqrt(6.0 / fan_in)
        ws.append(rng.uniform(-lim, lim, (fan_out, fan_in)).astype(np.float32))
        bs.append(np.zeros(fan_out, np.float32))
    vw = [np.zeros_like(w) for w in ws]
    vb = [np.zeros_like(b) for b in bs]
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for s in range(0, len(x), batch):
            idxs = order[s:s + batch]
            acts = [x[idxs]]
            for i, (w, b) in enumerate(zip(ws, bs)):
                z = acts[-1] @ w.T + b
                acts.append(np.maximum(z, 0) if i + 1 < len(ws) else z)
            logits = acts[-1]
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idxs)), y[idxs]] -= 1
            delta = p / len(idxs)
            for i in reversed(range(len(ws))):
                gw, gb = delta.T @ acts[i], delta.sum(axis=0)
                if i > 0:
                    delta = (delta @ ws[i]) * (acts[i] > 0)
                vw[i] = momentum * vw[i] + gw
                vb[i] = momentum * vb[i] + gb
                ws[i] -= lr * vw[i]
                bs[i] -= lr * vb[i]
    tx, ty = load("test")
    h = tx
    for i, (w, b) in enumerate(zip(ws, bs)):
        h = h @ w.T + b
        if i + 1 < len(ws):
            h = np.maximum(h, 0)
    acc = float((h.argmax(axis=1) == ty).mean())
    return ws, bs, acc


def export_mlp(ws, bs, path):
    nodes = [helper.make_node("Flatten", ["input"], ["/flatten/Flatten_output_0"], name="/flatten/Flatten", axis=1)]
    inits = []
    prev = "/flatten/Flatten_output_0"
    for i, (w, b) in enumerate(zip(ws, bs)):
        layer = "fc%d" % (i + 1)
        out = "/%s/Gemm_output_0" % layer if i + 1 < len(ws) else "logits"
        nodes.append(helper.make_node("Gemm", [prev, layer + ".weight", layer + ".bias"], [out],
                                      name="/%s/Gemm" % layer, alpha=1.0, beta=1.0, transB=1))
        inits += [numpy_helper.from_array(w, layer + ".weight"), numpy_helper.from_array(b, layer + ".bias")]
        prev = out
        if i + 1 < len(ws):
            nodes.append(helper.make_node("Relu", [prev], ["/relu%d/Relu_output_0" % (i + 1)],
                                          name="/relu%d/Relu" % (i + 1)))
            prev = "/relu%d/Relu_output_0" % (i + 1)
    graph = helper.make_graph(nodes, "main_graph",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", ws[-1].shape[0]])],
                              initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="numpy-sgd (pcmsim example)",
                          producer_version="1")
    onnx.checker.check_model(m)
    onnx.save(m, path)


def im2col(x, k, pad):
    """x: (n, c, h, w) -> (n, c*k*k, h*w) patches of a stride-1 'same' convolution, columns
    in (channel, kernel row, kernel column) order."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((n, c, k, k, h, w), x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i:i + h, j:j + w]
    return cols.reshape(n, c * k * k, h * w)


def cnn_forward(x, p):
    n = len(x)
    cols = im2col(x.reshape(n, 1, 28, 28), 5, 2)
    z = np.einsum("ok,nkp->nop", p["cw"].reshape(6, 25), cols) + p["cb"][None, :, None]
    a = np.maximum(z, 0).reshape(n, 6, 28, 28)
    pooled = a.reshape(n, 6, 14, 2, 14, 2).max(axis=(3, 5))
    logits = pooled.reshape(n, -1) @ p["fw"].T + p["fb"]
    return cols, z, a, pooled, logits


def train_cnn(epochs=4, lr=0.05, momentum=0.9, batch=64, seed=7):
    """conv 6@5x5 pad 2 -> relu -> maxpool 2 -> flatten -> dense 10."""
    rng = np.random.default_rng(seed)
    x, y = load("train")
    lim1, lim2 = np.sqrt(6.0 / 25), np.sqrt(6.0 / 1176)
    p = {"cw": rng.uniform(-lim1, lim1, (6, 1, 5, 5)).astype(np.float32), "cb": np.zeros(6, np.float32),
         "fw": rng.uniform(-lim2, lim2, (10, 1176)).astype(np.float32), "fb": np.zeros(10, np.float32)}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for s in range(0, len(x), batch):
            idxs = order[s:s + batch]
            n = len(idxs)
            cols, z, a, pooled, logits = cnn_forward(x[idxs], p)
            prob = np.exp(logits - logits.max(axis=1, keepdims=True))
            prob /= prob.sum(axis=1, keepdims=True)
            prob[np.arange(n), y[idxs]] -= 1
            d = prob / n
            g = {"fw": d.T @ pooled.reshape(n, -1), "fb": d.sum(axis=0)}
            dpool = (d @ p["fw"]).reshape(n, 6, 14, 1, 14, 1)
            mask = a.reshape(n, 6, 14, 2, 14, 2) == pooled.reshape(n, 6, 14, 1, 14, 1)
            dz = (mask * dpool).reshape(n, 6, 784) * (z > 0)
            g["cw"] = np.einsum("nop,nkp->ok", dz, cols).reshape(6, 1, 5, 5)
            g["cb"] = dz.sum(axis=(0, 2))
            for k in p:
                v[k] = momentum * v[k] + g[k].astype(np.float32)
                p[k] -= lr * v[k]
    tx, ty = load("test")
    correct = 0
    for s in range(0, len(tx), 500):
        correct += int((cnn_forward(tx[s:s + 500], p)[4].argmax(axis=1) == ty[s:s + 500]).sum())
    return p, correct / len(tx)


def export_cnn(p, path):
    names = ["/conv1/Conv_output_0", "/relu1/Relu_output_0", "/pool1/MaxPool_output_0", "/flatten/Flatten_output_0"]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], [names[0]], name="/conv1/Conv",
                         dilations=[1, 1], group=1, kernel_shape=[5, 5], pads=[2, 2, 2, 2], strides=[1, 1]),
        helper.make_node("Relu", [names[0]], [names[1]], name="/relu1/Relu"),
        helper.make_node("MaxPool", [names[1]], [names[2]], name="/pool1/MaxPool", ceil_mode=0, kernel_shape=[2, 2],
                         pads=[0, 0, 0, 0], strides=[2, 2]),
        helper.make_node("Flatten", [names[2]], [names[3]], name="/flatten/Flatten", axis=1),
        helper.make_node("Gemm", [names[3], "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm", alpha=1.0,
                         beta=1.0, transB=1),
    ]
    inits = [numpy_helper.from_array(p["cw"], "conv1.weight"), numpy_helper.from_array(p["cb"], "conv1.bias"),
             numpy_helper.from_array(p["fw"], "fc.weight"), numpy_helper.from_array(p["fb"], "fc.bias")]
    graph = helper.make_graph(nodes, "main_graph",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
                              initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="numpy-sgd (pcmsim example)",
                          producer_version="1")
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main():
    out = os.path.join(ROOT, "experiments", "onnx")
    os.makedirs(out, exist_ok=True)
    ws, bs, acc = train_mlp([784, 128, 10])
    path = os.path.join(out, "mnist_mlp.onnx")
    export_mlp(ws, bs, path)
    print("%s: 784-128-10 ReLU MLP, numpy test accuracy %.2f %%" % (os.path.relpath(path, ROOT), 100 * acc))
    p, acc = train_cnn()
    path = os.path.join(out, "mnist_cnn.onnx")
    export_cnn(p, path)
    print("%s: conv 6@5x5 pad 2, relu, maxpool 2, dense 10; numpy test accuracy %.2f %%"
          % (os.path.relpath(path, ROOT), 100 * acc))


if __name__ == "__main__":
    sys.exit(main())
