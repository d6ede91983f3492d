"""cnn-report on Amazon SageMaker: the launcher, the training job's contract, and the script the container runs.

The launcher, in the order its modules import each other:

- :mod:`report.sagemaker.checks` — the user's input (role ARNs, bucket, names,
  schedule expression, instance type, hours, ``-H`` pairs), checked before the
  first request, and what it checks into: ``S3Location`` and ``Launch``.
- :mod:`report.sagemaker.aws_requests` — ``AwsRequests``: every AWS request
  recorded, and sent unless this is a dry run, whose output is that record.
- :mod:`report.sagemaker.staging` — the data and the job's source directory
  (the sdist, the entry script, the project), uploaded to S3 once by sha256.
- :mod:`report.sagemaker.definitions` — the bodies of the CreateTrainingJob
  request and of the pipeline's definition, and the default training image.
- :mod:`report.sagemaker.launch` — ``cnn-report sagemaker run|schedule``: start
  a training job or a scheduled pipeline, wait, fetch the report.

Inside a job:

- :mod:`report.sagemaker.job` — where ``cnn-report build`` finds
  its data and settings and leaves the report, the model and any failure.
- :mod:`report.sagemaker.entry` — the program AWS's container runs first: it
  installs what the build needs, then runs it. Standard library only.
- ``images.json`` — the registry of AWS's training images in each region, from
  AWS's published table.
"""
