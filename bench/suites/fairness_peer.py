# The peer of `fairshrink evaluate` in the fairness bench (bench/suites/fairness.ts): Fairlearn's
# MetricFrame with the same bootstrap resamples on the same predictions CSV, for the candidate and the
# reference model, per sensitive attribute and their intersection. Run as one whole process, like the
# CLI, so Python's imports count as fairshrink's start-up does.
# Usage: python fairness_peer.py <preds.csv> <resamples>; prints one JSON line with the versions.
import json
import sys
import time

started = time.perf_counter()
import fairlearn  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from fairlearn.metrics import (  # noqa: E402
    MetricFrame,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, balanced_accuracy_score  # noqa: E402

path, resamples = sys.argv[1], int(sys.argv[2])
df = pd.read_csv(path)
metrics = {
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
}
partitions = {"sex": ["sex"], "race": ["race"], "sex&race": ["sex", "race"]}
engine_started = time.perf_counter()
values = 0
for score in ("score", "reference_score"):
    y_pred = (df[score] >= 0.5).astype(int)
    for name, columns in partitions.items():
        frame = MetricFrame(
            metrics=metrics,
            y_true=df["label"],
            y_pred=y_pred,
            sensitive_features=df[columns],
            n_boot=resamples,
            ci_quantiles=[0.025, 0.975],
            random_state=7,
        )
        # The differences between groups with their bootstrap intervals, as the report has them.
        frame.difference(method="between_groups")
        frame.difference_ci(method="between_groups")
        values += frame.by_group.size
print(
    json.dumps(
        {
            "fairlearn": fairlearn.__version__,
            "scikit_learn": sklearn.__version__,
            "pandas": pd.__version__,
            "python": sys.version.split()[0],
            "rows": len(df),
            "group_values": int(values),
            "engine_seconds": time.perf_counter() - engine_started,
            "seconds_in_process": time.perf_counter() - started,
        }
    )
)
