#!/usr/bin/env python3
"""Issue 4: the extractor as a service for other teams, from Python.

Starts the real bridgework-extractor binary, generates Python stubs from
protos/bridgework/v1 at test time (Debian's protoc and grpc_python_plugin),
then, as another team's controller would, with Debian's python3-grpcio:
  - ListObjects and DescribeObject on the clinic-software sample export;
  - Extract every object and compare the record counts with the files;
  - resume a stream from a batch's cursor;
  - a malformed row arrives as a rejection naming file, line and field,
    and the stream goes on;
  - a missing directory is a NOT_FOUND naming the path.

Usage: python_extractor_client_test.py --bin-dir DIR --source-dir DIR
"""

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None


def generate_stubs(proto_root, out_dir):
    """Runs protoc with the Python and gRPC Python plugins into out_dir."""
    protos = sorted(
        os.path.join("bridgework/v1", name)
        for name in os.listdir(os.path.join(proto_root, "bridgework/v1"))
        if name.endswith(".proto"))
    plugin = shutil.which("grpc_python_plugin")
    if plugin is None:
        raise RuntimeError("grpc_python_plugin not found "
                           "(Debian package protobuf-compiler-grpc)")
    subprocess.run(
        ["protoc", "-I", proto_root, "--python_out", out_dir,
         "--grpc_out", out_dir, "--plugin=protoc-gen-grpc=" + plugin] + protos,
        check=True)
    # Make the generated directories importable packages.
    for sub in ("bridgework", "bridgework/v1"):
        open(os.path.join(out_dir, sub, "__init__.py"), "a").close()


def read_text(path):
    with open(path) as f:
        return f.read()


def data_rows(path):
    """Records in a CSV export file (header excluded; quoted newlines kept)."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8-sig", errors="replace")
    return sum(1 for row in csv.reader(io.StringIO(text)) if row) - 1


class ExtractorFromPython(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bw-py-client-")
        stubs = os.path.join(cls.tmp, "stubs")
        os.makedirs(stubs)
        generate_stubs(os.path.join(ARGS.source_dir, "protos"), stubs)
        sys.path.insert(0, stubs)
        global grpc, pb_config, pb_extractor, pb_extractor_grpc
        import grpc  # noqa: F401  (python3-grpcio)
        from bridgework.v1 import config_pb2 as pb_config
        from bridgework.v1 import extractor_pb2 as pb_extractor
        from bridgework.v1 import extractor_pb2_grpc as pb_extractor_grpc

        # A copy of the sample export with one malformed row appended.
        example = os.path.join(ARGS.source_dir, "examples/clinic-freshsales")
        cls.export = os.path.join(cls.tmp, "export")
        shutil.copytree(os.path.join(example, "data"), cls.export)
        cls.layout = os.path.join(example, "layout.yaml")
        with open(os.path.join(cls.export, "patients.csv"), "rb") as f:
            header = f.readline().decode("utf-8-sig").rstrip("\r\n")
        columns = header.split(",")
        bad = ["" for _ in columns]
        bad[columns.index("patient_id")] = "RB-BAD-1"
        bad[columns.index("first_name")] = "Bad"
        bad[columns.index("last_name")] = "Row"
        bad[columns.index("date_of_birth")] = "02/30/1990"  # no such day
        unknown = list(bad)
        unknown[columns.index("patient_id")] = "RB-BAD-2"
        unknown[columns.index("date_of_birth")] = ""
        unknown[columns.index("patient_status")] = "Archived"  # not declared
        cls.bad_line = data_rows(os.path.join(cls.export, "patients.csv")) + 2
        with open(os.path.join(cls.export, "patients.csv"), "ab") as f:
            f.write((",".join(bad) + "\r\n").encode("utf-8"))
            f.write((",".join(unknown) + "\r\n").encode("utf-8"))

        port_file = os.path.join(cls.tmp, "port")
        cls.log = open(os.path.join(cls.tmp, "extractor.log"), "w")
        cls.proc = subprocess.Popen(
            [os.path.join(ARGS.bin_dir, "bridgework-extractor"),
             "--listen", "127.0.0.1:0", "--port-file", port_file],
            stdout=cls.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and read_text(port_file)):
            if cls.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("bridgework-extractor did not start")
            time.sleep(0.05)
        address = read_text(port_file).strip()
        cls.channel = grpc.insecure_channel(address)
        grpc.channel_ready_future(cls.channel).result(timeout=30)
        cls.stub = pb_extractor_grpc.ExtractorStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.proc.terminate()
        cls.proc.wait(timeout=30)
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def source(self, directory=None):
        return pb_config.SourceConfig(
            system="clinic",
            layout_csv=pb_config.LayoutCsvSourceConfig(
                directory=directory or self.export, layout=self.layout,
                time_zone="America/Los_Angeles", currency="USD"))

    def extract(self, object_type, batch_size=500, cursor=""):
        return list(self.stub.Extract(pb_extractor.ExtractRequest(
            source=self.source(), object_type=object_type,
            batch_size=batch_size, cursor=cursor), timeout=60))

    def test_discover_objects_and_schemas(self):
        listed = self.stub.ListObjects(
            pb_extractor.ListObjectsRequest(source=self.source()), timeout=30)
        names = [o.object_type for o in listed.objects]
        self.assertIn("patient", names)
        self.assertIn("location", names)
        # Parents first: every dependency is listed before its dependant.
        for i, info in enumerate(listed.objects):
            for parent in info.depends_on:
                self.assertIn(parent, names[:i], info.object_type)
        schema = self.stub.DescribeObject(pb_extractor.DescribeObjectRequest(
            source=self.source(), object_type="patient"), timeout=30)
        self.assertEqual(schema.key_field, "patient_id")
        types = {f.name: f.type for f in schema.fields}
        self.assertEqual(types["date_of_birth"], "date")
        self.assertEqual(types["email"], "string")

    def test_every_object_streams_every_row(self):
        listed = self.stub.ListObjects(
            pb_extractor.ListObjectsRequest(source=self.source()), timeout=30)
        checked = 0
        for info in listed.objects:
            batches = self.extract(info.object_type)
            records = sum(len(b.records) for b in batches)
            rejections = sum(len(b.rejections) for b in batches)
            path = os.path.join(self.export, info.location)
            if info.location.endswith(".csv") and os.path.isfile(path):
                self.assertEqual(records + rejections, data_rows(path),
                                 info.object_type)
                checked += 1
            self.assertGreater(records, 0, info.object_type)
        self.assertGreaterEqual(checked, 5)

    def test_bad_row_is_a_rejection_and_the_stream_goes_on(self):
        batches = self.extract("patient", batch_size=7)
        rejections = [r for b in batches for r in b.rejections]
        self.assertEqual(len(rejections), 2)
        bad, unknown = rejections
        self.assertEqual(bad.location.file, "patients.csv")
        self.assertEqual(bad.location.line, self.bad_line)
        self.assertEqual(bad.source_key, "RB-BAD-1")
        self.assertEqual(bad.field, "date_of_birth")
        self.assertEqual(bad.stage, "extract")
        self.assertNotIn("02/30/1990", bad.reason)  # never a value
        self.assertEqual(unknown.location.line, self.bad_line + 1)
        self.assertEqual(unknown.source_key, "RB-BAD-2")
        self.assertEqual(unknown.field, "patient_status")
        self.assertIn("not one of the column's 2 declared values",
                      unknown.reason)
        self.assertNotIn("Archived", unknown.reason)
        keys = [r.source_key for b in batches for r in b.records]
        self.assertEqual(len(keys), data_rows(
            os.path.join(self.export, "patients.csv")) - 2)
        self.assertEqual(len(set(keys)), len(keys))

    def test_resume_from_a_cursor(self):
        whole = [r.source_key for b in self.extract("patient", batch_size=10)
                 for r in b.records]
        first = self.extract("patient", batch_size=10)[0]
        rest = self.extract("patient", batch_size=10, cursor=first.cursor)
        resumed = [r.source_key for r in first.records] + [
            r.source_key for b in rest for r in b.records]
        self.assertEqual(resumed, whole)

    def test_missing_export_is_not_found_naming_the_path(self):
        missing = os.path.join(self.tmp, "no-such-export")
        with self.assertRaises(grpc.RpcError) as caught:
            list(self.stub.Extract(pb_extractor.ExtractRequest(
                source=self.source(missing), object_type="patient"),
                timeout=30))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertIn("no-such-export", caught.exception.details())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--source-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
