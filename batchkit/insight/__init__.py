"""Pictures of a run: its timeline, its use of capacity and a report of it.

A layer above `Batch`: the data comes from `Batch` calls and frames, never from
boto3 or the local backend directly, so the same pictures serve AWS and any
endpoint.  `spans` and `usage` turn job frames into the tables behind the
charts (`charts`, plotly); `runs` gathers what a report needs; `report` writes
it as one self-contained HTML file.
"""
