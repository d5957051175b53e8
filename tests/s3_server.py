"""A real S3 endpoint for the tests: moto's server as its own process on 127.0.0.1 (HTTP, a free port).

django-storages and boto3 talk to it exactly as to S3 (signed requests, path-style URLs on an IP address);
nothing leaves the machine. Test modules import the `moto_s3` fixture (session scope: one server).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import boto3
import pytest

from tests.conftest import free_port, wait_for

REGION = "eu-west-3"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class MotoS3:
    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="moto-s3-", suffix=".log")[1])  # read it when a test fails
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, **CREDENTIALS))
        wait_for(self.endpoint + "/moto-api/", timeout=30)
        self.client = boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                                   aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                                   aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def create_bucket(self, public: bool = True) -> str:
        """A new bucket; public: anyone may read its objects (a bucket policy, as the README asks for in
        production), which the builder needs to copy them and visitors to load them. Private: S3 answers 403."""
        name = f"vda-media-{uuid.uuid4().hex[:10]}"
        self.client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        if public:
            self.client.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{name}/*"}]}))
        return name

    def objects(self, bucket: str) -> dict[str, tuple]:
        """key -> (ETag, LastModified) of every object: equal dicts mean nothing was written in between."""
        found = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                found[obj["Key"]] = (obj["ETag"], obj["LastModified"])
        return found

    def read(self, bucket: str, key: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def storage_options(self, bucket: str, **options) -> dict:
        """django-storages options for this server, as base.py builds them from the environment."""
        return {"bucket_name": bucket, "endpoint_url": self.endpoint, "region_name": REGION,
                "access_key": CREDENTIALS["AWS_ACCESS_KEY_ID"], "secret_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "querystring_auth": False, "file_overwrite": False, **options}

    def env(self, bucket: str, **extra: str) -> dict[str, str]:
        """The environment of a CMS process whose media live in `bucket` (the README's variables)."""
        return {"AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_REGION_NAME": REGION,
                "AWS_S3_ENDPOINT_URL": self.endpoint, "AWS_EC2_METADATA_DISABLED": "true", **CREDENTIALS, **extra}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_s3():
    server = MotoS3()
    yield server
    server.stop()
