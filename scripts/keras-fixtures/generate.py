"""Builds, trains and converts the small Keras models that fairshrink's Keras-import tests load.

The test fixtures' data sets are SYNTHETIC, generated from a seed inside this script; only adult-embedding reads data
from disk (the encoded rows export-dataset.ts writes).

  cnn-colour-shift   functional Keras model on 16x16x3 synthetic images: Conv2D, BatchNormalization, ReLU,
                     DepthwiseConv2D, MaxPooling2D, SeparableConv2D, AveragePooling2D, GlobalAveragePooling2D,
                     Dropout, Dense(sigmoid). Label = stripe orientation; a 15% minority group's images are
                     colour-shifted (the nuisance attribute of the colour-shifted benchmarks in the literature).
  tabular-embedding  Sequential Keras model on Adult-like categorical codes: one integer input of 7 columns, each
                     column's codes offset into one shared vocabulary -> Embedding -> Flatten -> Dense -> Dropout
                     -> Dense(sigmoid).

  adult-embedding    (only with --adult-embedding DIR) Sequential Keras model on REAL data: UCI Adult's eight
                     categorical columns as fairshrink encodes them with categoricalEncoding: codes, exported by
                     export-dataset.ts into DIR -> Embedding -> Flatten -> Dense -> Dropout -> Dense(sigmoid).
                     Written to <out>/adult-embedding/ (examples/models/ in the repository); the data stays in DIR.

Each model is converted with the official converter (tensorflowjs.converters.save_keras_model) into
<out>/<name>/ (model.json + group1-shard1of1.bin), and beside it go sample.json (64 test rows and Keras's predicted
probabilities for them) and keras.json (versions, seed, Keras-side test accuracy).

Run through scripts/keras-fixtures/run.sh, which installs the pinned packages first (README.md beside this file).
"""

import argparse
import base64
import json
import os
import platform
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ info lines are noise here

import numpy as np
import tensorflow as tf
import tensorflowjs

SEED = 20240617
SAMPLE_ROWS = 64

# Adult-like categorical columns (name, number of categories). Codes of column c are stored as offset[c] + code, so
# one Embedding table serves every column (the usual trick for a single-input categorical model).
TABULAR_COLUMNS = [
    ("age_bucket", 8),
    ("education", 16),
    ("occupation", 14),
    ("marital_status", 7),
    ("race", 5),
    ("sex", 2),
    ("hours_bucket", 5),
]


def deterministic(seed):
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def colour_shift_images(rng, rows):
    """16x16x3 images in [0, 1], stored as uint8 (value = byte / 255) so sample.json holds them exactly.

    Class 1 has horizontal stripes, class 0 vertical ones, at a random phase and contrast under pixel noise. The
    minority group (15%) is drawn with a different colour balance: the stripes sit in the blue channel instead of red
    and green, and the whole image is tinted. A model that leans on colour learns the minority worse.
    """
    size = 16
    labels = rng.integers(0, 2, rows).astype(np.uint8)
    groups = (rng.random(rows) < 0.15).astype(np.uint8)  # 1 = minority (colour-shifted)
    coords = np.arange(size, dtype=np.float64)
    images = np.empty((rows, size, size, 3), dtype=np.float64)
    for i in range(rows):
        phase = rng.uniform(0, 2 * np.pi)
        contrast = rng.uniform(0.15, 0.45)
        wave = 0.5 + contrast * np.sin(coords * (2 * np.pi / 4.0) + phase)
        pattern = np.tile(wave[:, None], (1, size)) if labels[i] == 1 else np.tile(wave[None, :], (size, 1))
        if groups[i] == 0:
            colour = np.stack([pattern, pattern * 0.9, np.full_like(pattern, 0.3)], axis=-1)
        else:
            colour = np.stack([np.full_like(pattern, 0.55), np.full_like(pattern, 0.35), pattern * 0.8 + 0.2], axis=-1)
        images[i] = colour + rng.normal(0, 0.12, colour.shape)
    pixels = np.clip(np.round(images * 255), 0, 255).astype(np.uint8)
    return pixels, labels, groups


def cnn_model(name="cnn_colour_shift", filters=8, spatial_kernel=3, separable_filters=16, bn_momentum=0.99):
    """The colour-shift CNN. `spatial_kernel` is the depthwise and separable kernel size; `bn_momentum` is Keras's."""
    inputs = tf.keras.Input(shape=(16, 16, 3), name="image")
    h = tf.keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name="conv")(inputs)
    h = tf.keras.layers.BatchNormalization(momentum=bn_momentum, name="conv_bn")(h)
    h = tf.keras.layers.ReLU(name="conv_relu")(h)
    h = tf.keras.layers.DepthwiseConv2D(spatial_kernel, padding="same", depth_multiplier=2, name="depthwise")(h)
    h = tf.keras.layers.BatchNormalization(momentum=bn_momentum, name="depthwise_bn")(h)
    h = tf.keras.layers.Activation("relu", name="depthwise_relu")(h)
    h = tf.keras.layers.MaxPooling2D(2, name="max_pool")(h)
    h = tf.keras.layers.SeparableConv2D(
        separable_filters, spatial_kernel, padding="same", activation="relu", name="separable"
    )(h)
    h = tf.keras.layers.AveragePooling2D(2, name="avg_pool")(h)
    h = tf.keras.layers.GlobalAveragePooling2D(name="global_pool")(h)
    h = tf.keras.layers.Dropout(0.2, name="dropout")(h)
    outputs = tf.keras.layers.Dense(1, activation="sigmoid", name="output")(h)
    return tf.keras.Model(inputs, outputs, name=name)


def channel_permuted(rng, pixels):
    """Each image with its colour channels in a random one of the 6 orders (a seeded colour augmentation)."""
    orders = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])
    return np.stack([image[..., orders[k]] for image, k in zip(pixels, rng.integers(0, len(orders), len(pixels)))])


def tabular_codes(rng, rows):
    """Integer codes per column (offset into one vocabulary) and a label from a seeded logistic model of the codes."""
    offsets = np.cumsum([0] + [n for _, n in TABULAR_COLUMNS[:-1]])
    codes = np.stack([rng.integers(0, n, rows) for _, n in TABULAR_COLUMNS], axis=1)
    effects = [rng.normal(0, 1.0, n) for _, n in TABULAR_COLUMNS]
    logit = sum(effects[c][codes[:, c]] for c in range(len(TABULAR_COLUMNS))) - 0.8
    labels = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.uint8)
    sex = codes[:, [name for name, _ in TABULAR_COLUMNS].index("sex")].astype(np.uint8)
    return (codes + offsets).astype(np.int32), labels, sex, int(offsets[-1] + TABULAR_COLUMNS[-1][1]), offsets


def tabular_model(vocabulary):
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(len(TABULAR_COLUMNS),), dtype="int32", name="codes"),
            tf.keras.layers.Embedding(vocabulary, 4, name="embedding"),
            tf.keras.layers.Flatten(name="flatten"),
            tf.keras.layers.Dense(16, activation="relu", name="hidden"),
            tf.keras.layers.Dropout(0.1, name="dropout"),
            tf.keras.layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="tabular_embedding",
    )


def group_accuracy(probs, labels, groups):
    correct = (probs >= 0.5).astype(np.uint8) == labels
    return {str(g): float(correct[groups == g].mean()) for g in sorted(set(groups.tolist()))}


def library_versions():
    """The versions keras.json records: Python and the libraries that trained and converted the model."""
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": tf.keras.__version__,
        "tensorflowjs": tensorflowjs.__version__,
        "numpy": np.__version__,
    }


def train_and_write(
    target, model, x_train, y_train, x_test, y_test, groups_test, epochs, sample_x, about, train_notes=None
):
    """Trains, converts into `target` and writes keras.json there, and sample.json when `sample_x` is given."""
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=64, shuffle=True, verbose=0)
    probs = model.predict(x_test, batch_size=256, verbose=0).reshape(-1)
    accuracy = float(((probs >= 0.5).astype(np.uint8) == y_test).mean())
    shutil.rmtree(target, ignore_errors=True)
    tensorflowjs.converters.save_keras_model(model, target)
    sample_probs = probs[:SAMPLE_ROWS]
    sample = {
        "about": "The first rows of the synthetic test split and Keras's predicted P(y = 1) for them (float32).",
        "rows": SAMPLE_ROWS,
        "inputShape": list(model.input_shape[1:]),
        "x": sample_x,
        "labels": y_test[:SAMPLE_ROWS].tolist(),
        "groups": groups_test[:SAMPLE_ROWS].tolist(),
        # repr of a float32 widened to float64 round-trips the float32 exactly.
        "probabilities": [float(p) for p in sample_probs.astype(np.float32)],
    }
    if sample_x is not None:
        with open(os.path.join(target, "sample.json"), "w") as f:
            json.dump(sample, f, indent=1)
            f.write("\n")
    meta = {
        "about": about,
        "synthetic": True,
        "generatedBy": "scripts/keras-fixtures/generate.py",
        "seed": SEED,
        "versions": library_versions(),
        "layers": [layer.__class__.__name__ for layer in model.layers],
        "train": {
            "rows": int(len(y_train)),
            "epochs": epochs,
            "optimizer": "Adam(1e-2)",
            "batchSize": 64,
            **(train_notes or {}),
        },
        "test": {
            "rows": int(len(y_test)),
            "accuracy": accuracy,
            "groupAccuracy": group_accuracy(probs, y_test, groups_test),
            "threshold": 0.5,
        },
    }
    with open(os.path.join(target, "keras.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"{target}: test accuracy {accuracy:.4f}, by group {meta['test']['groupAccuracy']}", file=sys.stderr)


def colour_shift_data():
    rng = np.random.default_rng(SEED)
    return colour_shift_images(rng, 1600)


def cnn_fixture(out_dir):
    deterministic(SEED)
    pixels, labels, groups = colour_shift_data()
    x = pixels.astype(np.float32) / np.float32(255)
    train, test = slice(0, 1200), slice(1200, 1600)
    sample_bytes = pixels[test][:SAMPLE_ROWS].tobytes()  # row-major [row, height, width, channel]
    sample_x = {
        "encoding": "uint8-base64",
        "layout": "row-major [row, height, width, channel]",
        "divisor": 255,
        "data": base64.b64encode(sample_bytes).decode("ascii"),
    }
    about = (
        "Synthetic colour-shifted stripes (16x16x3): label 1 = horizontal stripes, 0 = vertical; group 1 (15%) is "
        "colour-shifted. Input value = byte / 255."
    )
    train_and_write(
        os.path.join(out_dir, "cnn-colour-shift"), cnn_model(), x[train], labels[train], x[test], labels[test], groups[test], 12,
        sample_x, about,
    )


def cnn_wide_example(examples_dir):
    """The example campaign's CNN (examples/campaigns/colour-shift.yaml): the fixture's layers, wider, 5x5 spatial
    kernels, BatchNormalization momentum 0.9 and channel-permuted training copies, so that it keeps its accuracy for
    both colour groups at 90% per-layer magnitude sparsity after fine-tuning (scripts/keras-fixtures/README.md)."""
    deterministic(SEED + 2)
    pixels, labels, groups = colour_shift_data()
    x = pixels.astype(np.float32) / np.float32(255)
    train, test = slice(0, 1200), slice(1200, 1600)
    permuted = channel_permuted(np.random.default_rng(SEED + 2), x[train])
    about = (
        "Synthetic colour-shifted stripes (16x16x3): label 1 = horizontal stripes, 0 = vertical; group 1 (15%) is "
        "colour-shifted. Input value = byte / 255. Trained on the 1200 training images and a channel-permuted copy of "
        "each."
    )
    model = cnn_model("cnn_colour_shift_wide", filters=16, spatial_kernel=5, separable_filters=32, bn_momentum=0.9)
    train_and_write(
        os.path.join(examples_dir, "colour-shift-cnn"), model, np.concatenate([x[train], permuted]),
        np.concatenate([labels[train], labels[train]]), x[test], labels[test], groups[test], 12, None, about,
        {"augmentation": "a copy of each training image with its RGB channels in a seeded random order"},
    )


def tabular_fixture(out_dir):
    deterministic(SEED + 1)
    rng = np.random.default_rng(SEED + 1)
    codes, labels, sex, vocabulary, offsets = tabular_codes(rng, 4000)
    train, test = slice(0, 3000), slice(3000, 4000)
    sample_x = {"encoding": "rows", "values": codes[test][:SAMPLE_ROWS].tolist()}
    columns = ", ".join(f"{name} ({n} codes at offset {int(o)})" for (name, n), o in zip(TABULAR_COLUMNS, offsets))
    about = (
        f"Synthetic Adult-like categorical codes, one shared vocabulary of {vocabulary}: {columns}. "
        "Label from a seeded logistic model of the codes; group = sex code."
    )
    train_and_write(
        os.path.join(out_dir, "tabular-embedding"), tabular_model(vocabulary), codes[train], labels[train], codes[test], labels[test],
        sex[test], 20, sample_x, about,
    )


ADULT_EMBEDDING_DIM = 8
ADULT_EPOCHS = 8


def read_exported(folder):
    """dataset.json and each split's (codes, labels, group indices by attribute) from export-dataset.ts's files."""
    with open(os.path.join(folder, "dataset.json")) as f:
        meta = json.load(f)
    features = len(meta["featureNames"])
    attributes = [s["name"] for s in meta["sensitive"]]
    splits = {}
    for split in ("train", "validation", "test"):
        table = np.loadtxt(os.path.join(folder, f"{split}.csv"), delimiter=",", skiprows=1, ndmin=2)
        if len(table) != meta["rows"][split]:
            sys.exit(f"{folder}/{split}.csv: {len(table)} rows, dataset.json says {meta['rows'][split]}")
        groups = {a: table[:, features + 1 + k].astype(np.int64) for k, a in enumerate(attributes)}
        splits[split] = (table[:, :features].astype(np.int32), table[:, features].astype(np.uint8), groups)
    return meta, splits


def adult_embedding_model(vocabulary, columns):
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(columns,), dtype="int32", name="codes"),
            tf.keras.layers.Embedding(vocabulary, ADULT_EMBEDDING_DIM, name="embedding"),
            tf.keras.layers.Flatten(name="flatten"),
            tf.keras.layers.Dense(32, activation="relu", name="hidden"),
            tf.keras.layers.Dropout(0.2, name="dropout"),
            tf.keras.layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="adult_embedding",
    )


def named_group_accuracy(probs, labels, groups, meta):
    """Accuracy per group name of every sensitive attribute."""
    out = {}
    for attribute in meta["sensitive"]:
        by_code = group_accuracy(probs, labels, groups[attribute["name"]])
        out[attribute["name"]] = {attribute["groups"][int(code)]: acc for code, acc in by_code.items()}
    return out


def adult_embedding(out_dir, data_dir):
    """Trains on the exported train split, reports on validation and test, writes <out_dir>/adult-embedding/."""
    deterministic(SEED + 2)
    meta, splits = read_exported(data_dir)
    vocabulary = meta["vocabulary"]["size"]
    (x_train, y_train, _), (x_val, y_val, g_val), (x_test, y_test, g_test) = (
        splits["train"], splits["validation"], splits["test"]
    )
    model = adult_embedding_model(vocabulary, len(meta["featureNames"]))
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=ADULT_EPOCHS, batch_size=64, shuffle=True, verbose=0)
    probs = {
        "validation": model.predict(x_val, batch_size=256, verbose=0).reshape(-1),
        "test": model.predict(x_test, batch_size=256, verbose=0).reshape(-1),
    }
    target = os.path.join(out_dir, "adult-embedding")
    shutil.rmtree(target, ignore_errors=True)
    tensorflowjs.converters.save_keras_model(model, target)
    sample = {
        "about": (
            "The first rows of the adult-codes test split (examples/datasets/adult-codes.yaml, as fairshrink encodes "
            "it), Keras's predicted P(y = 1) for them (float32), and their sex group indices (dataset groups order)."
        ),
        "rows": SAMPLE_ROWS,
        "inputShape": list(model.input_shape[1:]),
        "x": {"encoding": "rows", "values": x_test[:SAMPLE_ROWS].tolist()},
        "labels": y_test[:SAMPLE_ROWS].tolist(),
        "groups": g_test["sex"][:SAMPLE_ROWS].tolist(),
        "probabilities": [float(p) for p in probs["test"][:SAMPLE_ROWS].astype(np.float32)],
    }
    with open(os.path.join(target, "sample.json"), "w") as f:
        json.dump(sample, f, indent=1)
        f.write("\n")

    def report(split, y, g):
        p = probs[split]
        return {
            "rows": int(len(y)),
            "accuracy": float(((p >= 0.5).astype(np.uint8) == y).mean()),
            "groupAccuracy": named_group_accuracy(p, y, g, meta),
            "threshold": 0.5,
        }

    keras_meta = {
        "about": (
            "UCI Adult (income >50K), the eight categorical columns as integer codes in one vocabulary of "
            f"{vocabulary} (examples/datasets/adult-codes.yaml; offsets and levels under vocabulary), Keras model "
            "Embedding -> Flatten -> Dense(32, relu) -> Dropout(0.2) -> Dense(sigmoid)."
        ),
        "synthetic": False,
        "generatedBy": "scripts/keras-fixtures/generate.py --adult-embedding",
        "seed": SEED + 2,
        "dataset": {k: meta[k] for k in ("name", "datasetId", "specSha256", "rawSha256", "rows")},
        "vocabulary": meta["vocabulary"],
        "versions": library_versions(),
        "layers": [layer.__class__.__name__ for layer in model.layers],
        "train": {
            "rows": int(len(y_train)),
            "epochs": ADULT_EPOCHS,
            "optimizer": "Adam(1e-3)",
            "batchSize": 64,
            "embeddingDim": ADULT_EMBEDDING_DIM,
        },
        "validation": report("validation", y_val, g_val),
        "test": report("test", y_test, g_test),
    }
    with open(os.path.join(target, "keras.json"), "w") as f:
        json.dump(keras_meta, f, indent=1)
        f.write("\n")
    test = keras_meta["test"]
    print(f"adult-embedding: test accuracy {test['accuracy']:.4f}, by group {test['groupAccuracy']}", file=sys.stderr)


MODELS = ("cnn-colour-shift", "tabular-embedding", "cnn-colour-shift-wide")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="tests/fixtures/keras", help="folder that receives one folder per fixture")
    parser.add_argument(
        "--examples", default="examples/models", help="folder that receives the example CNN (colour-shift-cnn/)"
    )
    parser.add_argument("--only", choices=MODELS, action="append", help="build only these models (repeatable)")
    parser.add_argument(
        "--adult-embedding",
        metavar="DIR",
        help="build only adult-embedding, from the files export-dataset.ts wrote into DIR (use --out examples/models)",
    )
    args = parser.parse_args()
    selected = args.only or MODELS
    # One thread each, so training (and so the committed weights) does not depend on the core count.
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    if args.adult_embedding is not None:
        os.makedirs(args.out, exist_ok=True)
        adult_embedding(args.out, args.adult_embedding)
        return
    if "cnn-colour-shift" in selected or "tabular-embedding" in selected:
        os.makedirs(args.out, exist_ok=True)
    if "cnn-colour-shift" in selected:
        cnn_fixture(args.out)
    if "tabular-embedding" in selected:
        tabular_fixture(args.out)
    if "cnn-colour-shift-wide" in selected:
        os.makedirs(args.examples, exist_ok=True)
        cnn_wide_example(args.examples)


if __name__ == "__main__":
    main()
