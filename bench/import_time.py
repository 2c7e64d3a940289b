"""`import batchkit` against `import boto3, pandas`, each in fresh interpreters.

Prints both times and the ratio (goal: under 0.2). Run: python bench/import_time.py
"""

from timing import added  # bench/ is the script directory

ROUNDS = 7


def main() -> None:
    baseline = added("import boto3, pandas", ROUNDS)
    ours = added("import batchkit", ROUNDS)
    print(f"import boto3, pandas : {baseline * 1000:8.1f} ms")
    print(f"import batchkit      : {ours * 1000:8.1f} ms")
    print(f"ratio                : {ours / baseline:8.3f}  (goal < 0.2)")


if __name__ == "__main__":
    main()
