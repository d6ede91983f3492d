"""cnn-report on Amazon SageMaker: the launcher, the training job's contract, and the script the container runs.

- :mod:`report.sagemaker.launch` — ``cnn-report sagemaker run|schedule``: stage
  data and code in S3, start a training job or a scheduled pipeline, fetch the report.
- :mod:`report.sagemaker.job` — inside a job: where ``cnn-report build`` finds
  its data and settings and leaves the report, the model and any failure.
- :mod:`report.sagemaker.entry` — the program AWS's container runs first: it
  installs what the build needs, then runs it. Standard library only.
- ``images.json`` — the registry of AWS's training images in each region, from
  AWS's published table.
"""
