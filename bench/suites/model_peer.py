"""The model bench's Keras peer: the same 64-32-1 MLP as core/model, trained and timed on TensorFlow CPU.

Usage: python keras_mlp.py DATA_DIR EPOCHS BATCH REPEATS
DATA_DIR holds what bench/suites/model.ts wrote: meta.json ({train, validation, test: rows; cols}),
<split>.x.f32 (row-major float32) and <split>.y.u8. Prints one JSON line: per-epoch seconds (fit with
validation loss, like core/model's trainModel) and batched-inference rows/s (batch 8192).
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def load(data_dir, split, rows, cols):
    x = np.fromfile(os.path.join(data_dir, f"{split}.x.f32"), dtype=np.float32).reshape(rows, cols)
    y = np.fromfile(os.path.join(data_dir, f"{split}.y.u8"), dtype=np.uint8).astype(np.float32)
    return x, y


class EpochTimer(tf.keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []
        self.started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


def main():
    data_dir, epochs, batch, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    with open(os.path.join(data_dir, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    cols = meta["cols"]
    train_x, train_y = load(data_dir, "train", meta["train"], cols)
    val_x, val_y = load(data_dir, "validation", meta["validation"], cols)
    test_x, _ = load(data_dir, "test", meta["test"], cols)

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(cols,)),
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(32, activation="relu"),
            tf.keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    timer = EpochTimer()
    history = model.fit(
        train_x,
        train_y,
        batch_size=batch,
        epochs=epochs,
        validation_data=(val_x, val_y),
        shuffle=True,
        verbose=0,
        callbacks=[timer],
    )

    model.predict(test_x, batch_size=8192, verbose=0)  # warm-up (traces the predict function)
    started = time.perf_counter()
    for _ in range(repeats):
        model.predict(test_x, batch_size=8192, verbose=0)
    rows_per_second = repeats * len(test_x) / (time.perf_counter() - started)

    print(
        json.dumps(
            {
                "epochSeconds": timer.seconds,
                "inferenceRowsPerSecond": rows_per_second,
                "finalValLoss": history.history["val_loss"][-1],
                "tensorflow": tf.__version__,
                "threads": {
                    "intraOp": tf.config.threading.get_intra_op_parallelism_threads(),
                    "interOp": tf.config.threading.get_inter_op_parallelism_threads(),
                },
            }
        )
    )


main()
