// A partner's Node client as the public ones are written: JSON bodies with ids as strings,
// node:https with the mock's CA, answers read as PHP-json_encode-shaped objects (one item is an
// object, several an array). Logs in with zapiAgentLogin, then uses the session it got:
// categories, the first activity's details, its inventory for tomorrow. Prints one JSON line of
// what it read; exits 1 on failure.
//
//   ZAPI_URL=https://localhost:8443/zapi/ ZAPI_CA=certs/ca.pem node client.js
"use strict";
const fs = require("node:fs");
const https = require("node:https");

const url = new URL(process.env.ZAPI_URL || "https://localhost:8443/zapi/");
const ca = fs.readFileSync(process.env.ZAPI_CA || "certs/ca.pem");

function fail(msg) {
  console.error("client.js: " + msg);
  process.exit(1);
}

const list = (v) => (v === undefined || v === "" ? [] : Array.isArray(v) ? v : [v]);

function post(envelope, method, params = {}) {
  const body = JSON.stringify({ ...envelope, zapiMethod: { methodName: method, ...params } });
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: "POST", ca,
      headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
    }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (data += c));
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`${method}: HTTP ${res.statusCode}`));
        const r = JSON.parse(data).response;
        if (r.error !== "0") return reject(new Error(`${method}: error ${r.error}: ${r.message}`));
        const mr = r.methodResponse;
        if (mr.methodErrorCode !== "0")
          return reject(new Error(`${method}: ${mr.methodErrorCode}: ${mr.methodErrorMessage}`));
        resolve(mr);
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function main() {
  const login = await post({ zapiUsername: "naddau", zapiPassword: "zaui-demo" }, "zapiAgentLogin");
  if (login.methodErrorMessage !== "Login Successful") fail("login: " + login.methodErrorMessage);
  if (!/^[0-9a-f]{32}$/.test(login.cartId)) fail("cartId " + login.cartId);
  // Ids as strings, as this client keeps them.
  const session = {
    zapiToken: login.zapiApiToken,
    zapiAccountId: String(login.zapiAccountId),
    zapiUserId: String(login.zapiUserId),
  };
  const cats = await post(session, "zapiGetActivityCategories");
  const categories = list(cats.categories.category);
  const activities = categories.flatMap((c) => list(c.activities && c.activities.activity));
  if (!activities.length) fail("no activities");
  const first = activities[0];
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const details = await post(session, "zapiGetActivityDetailsByActivityId",
    { activityId: String(first.activityId), activityDate: tomorrow });
  const prices = Object.fromEntries(list(details.activity.allowedPassengers.passengerType)
    .map((p) => [p.systemTypeId, p.basePrice]));
  const inventory = await post(session, "zapiCheckActivityInventoryByDate",
    { activityId: String(first.activityId), activityDate: tomorrow, pax: { adults: "1" } });
  const times = list(inventory.activityTimes.activityTime).map((t) => ({
    time: t.activityTimeStart, spots: Number(t.activityTimeSpotsRemaining), status: t.status,
  }));
  console.log(JSON.stringify({
    client: "node", token: session.zapiToken, cartId: login.cartId,
    categories: categories.length, activities: activities.length,
    activityId: Number(first.activityId), activityName: first.activityName,
    imageUrl: first.imageUrl, prices, date: tomorrow, times,
  }));
}

main().catch((e) => fail(e.message));
