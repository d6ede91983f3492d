"""The request bodies: AWS's training image for each region, and hyperparameters encoded as AWS's SDK encodes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.errors import SageMakerError
from report.project import load_project
from report.sagemaker.definitions import IMAGE_TABLE, default_image, pipeline_definition, training_job_request
from report.sagemaker.launch import make_launch

from sagemaker_jobs import BUCKET, IMAGE, REGION, ROLE, launch

# The regions whose images the launcher used to look for in account 763104351884, which AWS does not use there.
REGIONS_WITH_OWN_ACCOUNTS = (
    "ap-east-2",
    "ap-northeast-3",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "mx-central-1",
)


def test_default_images_come_from_awss_published_table():
    table = json.loads(IMAGE_TABLE.read_text(encoding="utf-8"))
    assert "github.com/aws/deep-learning-containers" in table["source"] and table["source_note"]
    # Two of AWS's entries, as the issue quoted them from AWS's table.
    assert default_image("ap-northeast-3").startswith(
        "364406365360.dkr.ecr.ap-northeast-3.amazonaws.com/tensorflow-training:"
    )
    assert default_image("ap-southeast-3").startswith("907027046896.dkr.ecr.ap-southeast-3.amazonaws.com/")
    for region in REGIONS_WITH_OWN_ACCOUNTS:
        assert not default_image(region).startswith("763104351884."), region
    assert default_image("us-east-1") == IMAGE
    assert default_image("cn-north-1").startswith("727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/")


@pytest.mark.parametrize("region", ["us-gov-west-1", "eu-west-9", "us-isob-east-1"])
def test_a_region_aws_lists_no_image_for_is_refused_with_a_hint(region):
    with pytest.raises(
        SageMakerError, match=f"no Deep Learning Containers registry for region '{region}'.*pass --image"
    ):
        default_image(region)
    # With --image, the region is fine.
    assert make_launch(ROLE, f"s3://{BUCKET}", region, image="123.dkr.ecr.x/y:z").image == "123.dkr.ecr.x/y:z"


def test_hyperparameters_are_json_encoded_as_awss_sdk_encodes_them(tmp_path):
    request = training_job_request(
        launch(hyperparameters=("epochs=3", "kernel-sizes=3,5", "force=true")), "s3://b/c", "s3://b/d/"
    )
    hyperparameters = request["HyperParameters"]
    # What the SDK's Framework._json_encode_hyperparameters makes: json.dumps of each value.
    assert hyperparameters == {name: json.dumps(json.loads(value)) for name, value in hyperparameters.items()}
    decoded = {name: json.loads(value) for name, value in hyperparameters.items()}
    assert decoded == {
        "sagemaker_program": "entry.py",
        "sagemaker_submit_directory": "s3://b/c",
        "sagemaker_region": REGION,
        "sagemaker_container_log_level": 20,
        "cache-dir": "/opt/ml/checkpoints",
        "epochs": "3",
        "kernel-sizes": "3,5",
        "force": "true",
    }
    # And the job reads them back, decoded by the toolkit (SM_HPS) or raw from hyperparameters.json.
    from report.sagemaker.job import parse_hyperparameters

    ours = {name: value for name, value in hyperparameters.items() if not name.startswith("sagemaker_")}
    expected = {"cache_dir": Path("/opt/ml/checkpoints"), "epochs": 3, "kernel_sizes": (3, 5), "force": True}
    assert parse_hyperparameters(ours) == expected
    assert parse_hyperparameters({name: json.loads(value) for name, value in ours.items()}) == expected


def test_parallel_steps_train_the_projects_own_models(sagemaker_project):
    loaded = load_project(sagemaker_project / "cnn-report.toml")
    definition = pipeline_definition(launch(project=loaded), "s3://b/code.tar.gz", "s3://b/data/", parallel=True)
    assert [step["Name"] for step in definition["Steps"]] == [
        "Train-baseline",
        "Train-cnn_width_1",
        "Train-cnn_width_0_5",
        "BuildReport",
    ]
