#!/usr/bin/python3
"""Writes the ONNX test models of tests/io/onnx_test.cpp into tests/data/onnx/.

Uses only Debian's python3-onnx helper API and numpy (no PyTorch), so the files are built
the way an exporter lays them out: initializers for weights, node names like PyTorch's
("/fc1/Gemm"), weights as raw_data. Each good model also gets <name>.expected.txt: a fixed
input and the output a plain numpy forward pass computes for it, the oracle of the tests.

Run from the repository root:  /usr/bin/python3 tests/io/make_onnx_models.py
The files are committed, so the tests need no Python.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "onnx")
RNG = np.random.default_rng(20261202)


def weights(*shape, scale=0.5):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def model(nodes, inits, x_shape, y_shape, opset=13, name="g", check=True):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
        initializer=[numpy_helper.from_array(a, n) for n, a in inits.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="pcmsim make_onnx_models.py")
    if check:
        onnx.checker.check_model(m)
    return m


def save(m, name):
    path = os.path.join(OUT, name + ".onnx")
    onnx.save(m, path)
    return path


# --- numpy oracle ------------------------------------------------------------------------
def conv(x, w, b, stride, pad):
    c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    oh, ow = (h + 2 * pad[0] - kh) // stride[0] + 1, (wd + 2 * pad[1] - kw) // stride[1] + 1
    y = np.zeros((o, oh, ow), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride[0]:i * stride[0] + kh, j * stride[1]:j * stride[1] + kw]
            y[:, i, j] = np.tensordot(w, patch, axes=([1, 2, 3], [0, 1, 2]))
    return y + (b[:, None, None] if b is not None else 0)


def pool(x, k, stride, pad, mode, count_include_pad=False):
    c, h, wd = x.shape
    fill = -np.inf if mode == "max" else 0.0
    xp = np.pad(x, ((0, 0), (pad[0], pad[0]), (pad[1], pad[1])), constant_values=fill)
    ones = np.pad(np.ones((h, wd)), ((pad[0], pad[0]), (pad[1], pad[1])))
    oh, ow = (h + 2 * pad[0] - k[0]) // stride[0] + 1, (wd + 2 * pad[1] - k[1]) // stride[1] + 1
    y = np.zeros((c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            sl = (slice(i * stride[0], i * stride[0] + k[0]), slice(j * stride[1], j * stride[1] + k[1]))
            win = xp[(slice(None),) + sl]
            if mode == "max":
                y[:, i, j] = win.max(axis=(1, 2))
            else:
                n = k[0] * k[1] if count_include_pad else ones[sl].sum()
                y[:, i, j] = win.sum(axis=(1, 2)) / n
    return y


sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))
relu = lambda v: np.maximum(v, 0)


def write_expected(name, x, y):
    with open(os.path.join(OUT, name + ".expected.txt"), "w") as f:
        f.write("# input (per-sample shape %s, flattened) then the numpy forward output\n" % (list(x.shape),))
        f.write(" ".join("%.9g" % v for v in x.ravel()) + "\n")
        f.write(" ".join("%.9g" % v for v in np.asarray(y).ravel()) + "\n")


# --- supported models --------------------------------------------------------------------
def mlp_gemm():
    """Gemm as torch.nn.Linear exports it (transB = 1), plus a Gemm with transB = 0 and
    alpha / beta; Relu, Sigmoid; Softmax at the end; a dynamic batch dimension."""
    w1, b1 = weights(8, 12), weights(8)
    w2, b2 = weights(6, 8), weights(6)
    w3, b3 = weights(6, 4), weights(4)  # in x out (transB = 0)
    nodes = [
        helper.make_node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["h1"], name="/fc1/Gemm", alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="/act1/Relu"),
        helper.make_node("Gemm", ["a1", "fc2.weight", "fc2.bias"], ["h2"], name="/fc2/Gemm", transB=1),
        helper.make_node("Sigmoid", ["h2"], ["a2"], name="/act2/Sigmoid"),
        helper.make_node("Gemm", ["a2", "fc3.weight", "fc3.bias"], ["logits"], name="/fc3/Gemm", alpha=0.5, beta=2.0),
        helper.make_node("Softmax", ["logits"], ["y"], name="/Softmax", axis=1),
    ]
    m = model(nodes, {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2,
                      "fc3.weight": w3, "fc3.bias": b3}, ["batch", 12], ["batch", 4])
    save(m, "mlp_gemm")
    x = RNG.uniform(0, 1, 12).astype(np.float32)
    y = 0.5 * (w3.T.astype(np.float64) @ sigmoid(w2 @ relu(w1 @ x + b1) + b2)) + 2.0 * b3
    write_expected("mlp_gemm", x, y)


def mlp_matmul():
    """MatMul + Add (bias on either side), Tanh, Identity, LogSoftmax; fixed batch 1; opset 11."""
    w1, b1 = weights(10, 7), weights(7)  # in x out, as MatMul takes them
    w2, b2 = weights(7, 3), weights(1, 3)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m1"], name="/l1/MatMul"),
        helper.make_node("Add", ["m1", "b1"], ["h1"], name="/l1/Add"),
        helper.make_node("Tanh", ["h1"], ["a1"], name="/Tanh"),
        helper.make_node("Identity", ["a1"], ["a1b"], name="/Identity"),
        helper.make_node("MatMul", ["a1b", "w2"], ["m2"], name="/l2/MatMul"),
        helper.make_node("Add", ["b2", "m2"], ["logits"], name="/l2/Add"),
        helper.make_node("LogSoftmax", ["logits"], ["y"], name="/LogSoftmax", axis=1),
    ]
    m = model(nodes, {"w1": w1, "b1": b1, "w2": w2, "b2": b2}, [1, 10], [1, 3], opset=11)
    save(m, "mlp_matmul")
    x = RNG.uniform(0, 1, 10).astype(np.float32)
    y = np.tanh(x.astype(np.float64) @ w1 + b1) @ w2 + b2[0]
    write_expected("mlp_matmul", x, y)


def cnn():
    """Conv (pad 1; stride 2 and no bias), Relu, MaxPool, Sigmoid, AveragePool with and
    without padding, Flatten, Gemm; opset 17."""
    c1w, c1b = weights(3, 2, 3, 3), weights(3)
    c2w = weights(4, 3, 3, 3)
    fw, fb = weights(5, 4 * 2 * 2), weights(5)
    nodes = [
        helper.make_node("Conv", ["x", "conv1.weight", "conv1.bias"], ["c1"], name="/conv1/Conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1),
        helper.make_node("Relu", ["c1"], ["r1"], name="/relu1/Relu"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="/pool1/MaxPool", kernel_shape=[2, 2], strides=[2, 2],
                         pads=[0, 0, 0, 0], ceil_mode=0),
        helper.make_node("Conv", ["p1", "conv2.weight"], ["c2"], name="/conv2/Conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Sigmoid", ["c2"], ["s2"], name="/Sigmoid"),
        helper.make_node("AveragePool", ["s2"], ["p2"], name="/pool2/AveragePool", kernel_shape=[3, 3],
                         strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1),
        helper.make_node("AveragePool", ["p2"], ["p3"], name="/pool3/AveragePool", kernel_shape=[2, 2],
                         strides=[1, 1], pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["p3"], ["p4"], name="/pool4/MaxPool", kernel_shape=[2, 2], strides=[1, 1]),
        helper.make_node("Flatten", ["p4"], ["f"], name="/Flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], name="/fc/Gemm", transB=1),
    ]
    # 2@9x9 -conv1-> 3@9x9 -pool1-> 3@4x4 -conv2(s2)-> 4@2x2 -pool2-> 4@2x2 -pool3-> 4@3x3 -pool4-> 4@2x2
    m = model(nodes, {"conv1.weight": c1w, "conv1.bias": c1b, "conv2.weight": c2w, "fc.weight": fw, "fc.bias": fb},
              ["N", 2, 9, 9], ["N", 5], opset=17)
    save(m, "cnn")
    x = RNG.uniform(0, 1, (2, 9, 9)).astype(np.float32)
    h = pool(relu(conv(x, c1w, c1b, (1, 1), (1, 1))), (2, 2), (2, 2), (0, 0), "max")
    h = sigmoid(conv(h, c2w, None, (2, 2), (1, 1)))
    h = pool(h, (3, 3), (1, 1), (1, 1), "avg", count_include_pad=True)
    h = pool(h, (2, 2), (1, 1), (1, 1), "avg", count_include_pad=False)
    h = pool(h, (2, 2), (1, 1), (0, 0), "max")
    write_expected("cnn", x, fw @ h.ravel() + fb)


def cnn_reshape():
    """Conv + Tanh + Reshape to [-1, F] through a Constant node (as view(-1, F) exports),
    MatMul + Add; opset 12."""
    cw, cb = weights(2, 1, 2, 2), weights(2)
    fw, fb = weights(2 * 3 * 3, 3), weights(3)
    shape = helper.make_tensor("shape_value", TensorProto.INT64, [2], [-1, 18])
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], name="Conv_0", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Tanh", ["c"], ["t"], name="Tanh_1"),
        helper.make_node("Constant", [], ["shape"], name="Constant_2", value=shape),
        helper.make_node("Reshape", ["t", "shape"], ["f"], name="Reshape_3"),
        helper.make_node("MatMul", ["f", "fc.w"], ["m"], name="MatMul_4"),
        helper.make_node("Add", ["m", "fc.b"], ["y"], name="Add_5"),
    ]
    m = model(nodes, {"conv.weight": cw, "conv.bias": cb, "fc.w": fw, "fc.b": fb}, [1, 1, 6, 6], [1, 3], opset=12)
    save(m, "cnn_reshape")
    x = RNG.uniform(0, 1, (1, 6, 6)).astype(np.float32)
    h = np.tanh(conv(x, cw, cb, (2, 2), (0, 0)))
    write_expected("cnn_reshape", x, h.ravel() @ fw + fb)


def mlp_relu():
    """What nn::Mlp expresses: image input, Flatten, Gemm (transB = 1) + Relu + Gemm, as
    torch.nn.Sequential(Flatten(), Linear(16, 8), ReLU(), Linear(8, 3)) exports it."""
    w1, b1 = weights(8, 16), weights(8)
    w2, b2 = weights(3, 8), weights(3)
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"], name="/0/Flatten", axis=1),
        helper.make_node("Gemm", ["f", "1.weight", "1.bias"], ["h"], name="/1/Gemm", alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Relu", ["h"], ["a"], name="/2/Relu"),
        helper.make_node("Gemm", ["a", "3.weight", "3.bias"], ["y"], name="/3/Gemm", alpha=1.0, beta=1.0, transB=1),
    ]
    m = model(nodes, {"1.weight": w1, "1.bias": b1, "3.weight": w2, "3.bias": b2}, ["batch", 1, 4, 4], ["batch", 3],
              opset=14)
    save(m, "mlp_relu")
    x = RNG.uniform(0, 1, (1, 4, 4)).astype(np.float32)
    write_expected("mlp_relu", x, w2.astype(np.float64) @ relu(w1.astype(np.float64) @ x.ravel() + b1) + b2)


def cnn_view(opset):
    """x.view(x.size(0), -1) as PyTorch exports it with a dynamic batch: Shape -> Gather ->
    Unsqueeze (axes an attribute before opset 13, an input from 13) -> Concat with -1 ->
    Reshape; then Gemm."""
    cw, cb = weights(2, 1, 3, 3), weights(2)
    fw, fb = weights(3, 2 * 2 * 2), weights(3)
    unsq = (helper.make_node("Unsqueeze", ["n"], ["n1"], name="/Unsqueeze", axes=[0]) if opset < 13 else
            helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="/Unsqueeze"))
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], name="/conv/Conv", kernel_shape=[3, 3],
                         strides=[2, 2]),
        helper.make_node("Relu", ["c"], ["r"], name="/Relu"),
        helper.make_node("Shape", ["r"], ["s"], name="/Shape"),
        helper.make_node("Constant", [], ["zero"], name="/Constant",
                         value=helper.make_tensor("v", TensorProto.INT64, [], [0])),
        helper.make_node("Gather", ["s", "zero"], ["n"], name="/Gather", axis=0),
        unsq,
        helper.make_node("Concat", ["n1", "minus1"], ["shape"], name="/Concat", axis=0),
        helper.make_node("Reshape", ["r", "shape"], ["f"], name="/Reshape"),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], name="/fc/Gemm", transB=1),
    ]
    inits = {"conv.weight": cw, "conv.bias": cb, "fc.weight": fw, "fc.bias": fb, "minus1": np.array([-1], np.int64)}
    if opset >= 13:
        inits["axes0"] = np.array([0], np.int64)
    name = "cnn_view_opset%d" % opset
    save(model(nodes, inits, ["batch", 1, 5, 5], ["batch", 3], opset=opset), name)
    x = RNG.uniform(0, 1, (1, 5, 5)).astype(np.float32)
    write_expected(name, x, fw @ relu(conv(x, cw, cb, (2, 2), (0, 0))).ravel() + fb)


# --- models outside the subset (one error each) -------------------------------------------
def bad_models():
    w, b = weights(4, 6), weights(4)
    dense = {"w": w, "b": b}
    gemm = lambda **kw: helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="/fc/Gemm", **kw)
    save(model([gemm(transB=1, transA=1)], dense, [6, 1], [4, 1], check=False), "bad_gemm_transa")
    save(model([helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="/fc/Gemm",
                                 transB=helper.make_attribute("transB", 1.0).f)], dense, [1, 6], [1, 4], check=False),
         "bad_attr_type")
    save(model([gemm(transB=1, foo=3)], dense, [1, 6], [1, 4], check=False), "bad_attr_unknown")
    save(model([gemm(transB=1)], dense, [1, 6], [1, 4], opset=18, check=False), "bad_opset")
    # BatchNormalization between two layers.
    bn = {"s": weights(4), "bb": weights(4), "mean": weights(4), "var": np.abs(weights(4)) + 1}
    save(model([
        helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="/fc/Gemm", transB=1),
        helper.make_node("BatchNormalization", ["h", "s", "bb", "mean", "var"], ["y"], name="/bn/BatchNormalization"),
    ], {**dense, **bn}, [1, 6], [1, 4]), "bad_unsupported_op")
    # A dynamic spatial dimension.
    cw = weights(2, 1, 3, 3)
    save(model([helper.make_node("Conv", ["x", "cw"], ["y"], name="/conv/Conv", kernel_shape=[3, 3])],
               {"cw": cw}, ["batch", 1, "height", 8], ["batch", 2, "h2", 6]), "bad_dynamic_shape")
    conv_model = lambda name, ws, **kw: save(model(
        [helper.make_node("Conv", ["x", "cw"], ["c"], name="/conv/Conv", **kw),
         helper.make_node("Flatten", ["c"], ["y"], name="/Flatten")], {"cw": ws}, [1, 2, 8, 8], [1, 0], check=False),
        name)
    conv_model("bad_conv_group", weights(2, 1, 3, 3), kernel_shape=[3, 3], group=2)
    conv_model("bad_conv_dilation", weights(2, 2, 3, 3), kernel_shape=[3, 3], dilations=[2, 2])
    conv_model("bad_conv_pads", weights(2, 2, 3, 3), kernel_shape=[3, 3], pads=[1, 1, 0, 0])
    conv_model("bad_conv_auto_pad", weights(2, 2, 3, 3), kernel_shape=[3, 3], auto_pad="SAME_UPPER")
    conv_model("bad_conv_1d", weights(2, 2, 3), kernel_shape=[3])
    save(model([helper.make_node("MaxPool", ["x"], ["p"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2],
                                 ceil_mode=1),
                helper.make_node("Flatten", ["p"], ["y"], name="/Flatten")], {}, [1, 1, 7, 7], [1, 16]),
         "bad_pool_ceil")
    # A residual Add of two activations.
    sq = {"w": weights(6, 6), "b": weights(6)}
    save(model([helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="/fc/Gemm", transB=1),
                helper.make_node("Add", ["h", "x"], ["y"], name="/Add")], sq, [1, 6], [1, 6]), "bad_branch")
    save(model([helper.make_node("Conv", ["x", "cw"], ["c"], name="/conv/Conv", kernel_shape=[3, 3]),
                helper.make_node("Reshape", ["c", "shape"], ["y"], name="/Reshape")],
               {"cw": weights(2, 1, 3, 3), "shape": np.array([1, 2, -1], np.int64)}, [1, 1, 8, 8], [1, 2, 36]),
         "bad_reshape")
    save(model([helper.make_node("Conv", ["x", "cw"], ["c"], name="/conv/Conv", kernel_shape=[3, 3]),
                helper.make_node("Gemm", ["c", "w", "b"], ["y"], name="/fc/Gemm", transB=1)],
               {"cw": weights(2, 1, 3, 3), "w": weights(4, 72), "b": weights(4)}, [1, 1, 8, 8], [1, 4], check=False),
         "bad_no_flatten")
    save(model([helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="/fc/Gemm", transB=1),
                helper.make_node("Softmax", ["h"], ["s"], name="/Softmax"),
                helper.make_node("Gemm", ["s", "w2", "b2"], ["y"], name="/fc2/Gemm", transB=1)],
               {**dense, "w2": weights(3, 4), "b2": weights(3)}, [1, 6], [1, 3]), "bad_softmax_middle")
    save(model([gemm(transB=1)], {"w": w.astype(np.float64), "b": b.astype(np.float64)}, [1, 6], [1, 4], check=False),
         "bad_double_weights")
    # Weights in an external file.
    m = model([gemm(transB=1)], dense, [1, 6], [1, 4])
    t = m.graph.initializer[0]
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", "weights.bin"
    save(m, "bad_external_data")


def pad_models():
    """Pad nodes as torch.onnx.export writes them (opset 11+: pads as a Constant input):
    all-zero pads before AveragePool (what AvgPool2d exports), nonzero zero-padding before
    AveragePool (the zeros count in the divisor) and before Conv; and the unsupported Pads."""
    rng = np.random.default_rng(20261203)  # own stream: the other files keep their draws
    cw = (rng.standard_normal((3, 2, 3, 3)) * 0.5).astype(np.float32)
    cb = (rng.standard_normal(3) * 0.5).astype(np.float32)
    fw = (rng.standard_normal((4, 3 * 3 * 3)) * 0.5).astype(np.float32)
    fb = (rng.standard_normal(4) * 0.5).astype(np.float32)
    pads = lambda name, v: helper.make_node("Constant", [], [name], name=name + "/Constant",
                                            value=numpy_helper.from_array(np.array(v, np.int64)))
    nodes = [
        pads("p0", [0] * 8),
        helper.make_node("Pad", ["x", "p0"], ["a"], name="/pool1/Pad", mode="constant"),
        helper.make_node("AveragePool", ["a"], ["b"], name="/pool1/AveragePool", kernel_shape=[2, 2], strides=[1, 1],
                         pads=[0, 0, 0, 0], ceil_mode=0),
        pads("p1", [0, 0, 1, 1, 0, 0, 1, 1]),
        helper.make_node("Pad", ["b", "p1"], ["c"], name="/pool2/Pad", mode="constant"),
        helper.make_node("AveragePool", ["c"], ["d"], name="/pool2/AveragePool", kernel_shape=[3, 3], strides=[2, 2]),
        pads("p2", [0, 0, 1, 1, 0, 0, 1, 1]),
        helper.make_node("Pad", ["d", "p2"], ["e"], name="/Pad", mode="constant"),
        helper.make_node("Conv", ["e", "conv.weight", "conv.bias"], ["f"], name="/conv/Conv", kernel_shape=[3, 3]),
        helper.make_node("Flatten", ["f"], ["g"], name="/Flatten", axis=1),
        helper.make_node("Gemm", ["g", "fc.weight", "fc.bias"], ["y"], name="/fc/Gemm", transB=1),
    ]
    # 2@6x6 -pool1-> 2@5x5 -pad,pool2(s2)-> 2@3x3 -pad,conv-> 3@3x3 -> 27 -> 4
    save(model(nodes, {"conv.weight": cw, "conv.bias": cb, "fc.weight": fw, "fc.bias": fb},
               ["batch", 2, 6, 6], ["batch", 4], opset=11), "cnn_pad")
    x = rng.uniform(0, 1, (2, 6, 6)).astype(np.float32)
    h = pool(x, (2, 2), (1, 1), (0, 0), "avg")
    h = pool(h, (3, 3), (2, 2), (1, 1), "avg", count_include_pad=True)
    h = conv(h, cw, cb, (1, 1), (1, 1))
    write_expected("cnn_pad", x, fw @ h.ravel() + fb)

    def bad(name, pad_values, extra=None, mode="constant", then="AveragePool"):
        nodes = [pads("p", pad_values)]
        inputs = ["x", "p"] + ([extra] if extra else [])
        nodes.append(helper.make_node("Pad", inputs, ["a"], name="/Pad", mode=mode))
        nodes.append(helper.make_node(then, ["a"], ["b"], name="/" + then, kernel_shape=[2, 2]))
        nodes.append(helper.make_node("Flatten", ["b"], ["y"], name="/Flatten"))
        inits = {"v": np.array(0.5, np.float32)} if extra else {}
        save(model(nodes, inits, [1, 1, 6, 6], [1, 0], opset=11, check=False), name)
    bad("bad_pad_reflect", [0, 0, 1, 1, 0, 0, 1, 1], mode="reflect")
    bad("bad_pad_value", [0, 0, 1, 1, 0, 0, 1, 1], extra="v")
    bad("bad_pad_channels", [0, 1, 0, 0, 0, 1, 0, 0])
    bad("bad_pad_maxpool", [0, 0, 1, 1, 0, 0, 1, 1], then="MaxPool")


def main():
    os.makedirs(OUT, exist_ok=True)
    mlp_gemm()
    mlp_matmul()
    cnn()
    cnn_reshape()
    bad_models()
    mlp_relu()  # added later, after the others, so the earlier files keep their random draws
    cnn_view(11)
    cnn_view(13)
    # Gather on an activation (not a shape value); no random draws.
    save(model([helper.make_node("Gather", ["x", "idx"], ["g"], name="/Gather", axis=1),
                helper.make_node("Gemm", ["g", "w", "b"], ["y"], name="/fc/Gemm", transB=1)],
               {"idx": np.array([0, 2], np.int64), "w": np.zeros((2, 2), np.float32), "b": np.zeros(2, np.float32)},
               [1, 4], [1, 2]), "bad_gather")
    pad_models()
    print("wrote", len([f for f in os.listdir(OUT) if f.endswith(".onnx")]), "models to", os.path.normpath(OUT))


if __name__ == "__main__":
    sys.exit(main())
