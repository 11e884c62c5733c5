"""Partners' clients against the mock: the Ruby (Net::HTTP, typed XML), Node (https, JSON with
string ids) and PHP (curl, json_encode) scripts of tests/clients/ log in, list categories, read
an activity and check its inventory for tomorrow, trusting the mock's CA with verification on.
scripts/test installs the interpreters; a test is skipped (with the reason) only when its
interpreter is missing."""

import json
import os
import re
import shutil
import subprocess
import unittest

from mockserver import SOURCE_DIR, TOKEN, ServerTestCase, utc_day

CLIENTS = os.path.join(SOURCE_DIR, "tests", "clients")
RUN_TIMEOUT = 30


class Clients(ServerTestCase):
    def run_client(self, interpreter, script, ca=None):
        exe = shutil.which(interpreter)
        if not exe:
            self.skipTest("%s is not installed (scripts/test installs it: ruby, nodejs, php-cli, "
                          "php-curl)" % interpreter)
        env = dict(os.environ,
                   ZAPI_URL="https://localhost:%d/zapi/" % self.server.port,
                   ZAPI_CA=ca or self.server.ca_file)
        env.pop("NODE_EXTRA_CA_CERTS", None)
        env.pop("SSL_CERT_FILE", None)
        return subprocess.run([exe, os.path.join(CLIENTS, script)], env=env,
                              capture_output=True, text=True, timeout=RUN_TIMEOUT)

    def check(self, interpreter, script, name):
        p = self.run_client(interpreter, script)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(out["client"], name)
        self.assertEqual(out["token"], TOKEN)
        self.assertRegex(out["cartId"], r"^[0-9a-f]{32}$")
        self.assertEqual(out["categories"], 4)
        self.assertEqual(out["activities"], 8)
        self.assertEqual(out["activityId"], 101)
        self.assertEqual(out["activityName"], "Whale Watching Adventure")
        self.assertTrue(out["imageUrl"].startswith("https://"))
        self.assertEqual(out["prices"], {"10": "119.00", "11": "139.00", "12": "119.00",
                                         "13": "89.00", "14": "0.00"})
        self.assertEqual(out["date"], utc_day(1))
        self.assertEqual(out["times"], [
            {"time": "09:00:00", "spots": 11, "status": "AVAILABLE"},  # 24 - 10 sold - 3 booked
            {"time": "13:00:00", "spots": 0, "status": "SOLD_OUT"},
            {"time": "17:00:00", "spots": 12, "status": "AVAILABLE"},
        ])
        # The client verifies the certificate: another CA is refused.
        other = "/etc/ssl/certs/ca-certificates.crt"
        if os.path.exists(other):
            p = self.run_client(interpreter, script, ca=other)
            self.assertNotEqual(p.returncode, 0, p.stdout)
            self.assertRegex(p.stderr, re.compile("certif|SSL|verify", re.I))

    def test_ruby(self):
        self.check("ruby", "client.rb", "ruby")

    def test_node(self):
        self.check("node", "client.js", "node")

    def test_php(self):
        self.check("php", "client.php", "php")


if __name__ == "__main__":
    unittest.main()
