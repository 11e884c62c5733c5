<?php
// A partner's PHP client as the public ones are written: curl with the mock's CA, JSON bodies
// made with json_encode (ids as numbers), answers read with json_decode (one item is an object,
// several an array). Logs in with zapiAgentLogin, then uses the session it got: categories, the
// first activity's details, its inventory for tomorrow. Prints one JSON line of what it read;
// exits 1 on failure.
//
//   ZAPI_URL=https://localhost:8443/zapi/ ZAPI_CA=certs/ca.pem php client.php

$url = getenv('ZAPI_URL') ?: 'https://localhost:8443/zapi/';
$ca = getenv('ZAPI_CA') ?: 'certs/ca.pem';

function fail($msg)
{
    fwrite(STDERR, "client.php: $msg\n");
    exit(1);
}

function items($v)
{
    if ($v === null || $v === '' || $v === []) {
        return [];
    }
    return array_is_list($v) ? $v : [$v];
}

function post($envelope, $method, $params = [])
{
    global $url, $ca;
    $envelope['zapiMethod'] = array_merge(['methodName' => $method], $params);
    $ch = curl_init($url);
    curl_setopt_array($ch, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => json_encode($envelope),
        CURLOPT_HTTPHEADER => ['Content-Type: application/json'],
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_CAINFO => $ca,
        CURLOPT_SSL_VERIFYPEER => true,
        CURLOPT_SSL_VERIFYHOST => 2,
    ]);
    $body = curl_exec($ch);
    if ($body === false) {
        fail("$method: " . curl_error($ch));
    }
    $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    curl_close($ch);
    if ($status != 200) {
        fail("$method: HTTP $status");
    }
    $r = json_decode($body, true)['response'];
    if ($r['error'] !== '0') {
        fail("$method: error {$r['error']}: {$r['message']}");
    }
    $mr = $r['methodResponse'];
    if ($mr['methodErrorCode'] !== '0') {
        fail("$method: {$mr['methodErrorCode']}: {$mr['methodErrorMessage']}");
    }
    return $mr;
}

$login = post(['zapiUsername' => 'naddau', 'zapiPassword' => 'zaui-demo'], 'zapiAgentLogin');
if ($login['methodErrorMessage'] !== 'Login Successful') {
    fail('login: ' . $login['methodErrorMessage']);
}
if (!preg_match('/^[0-9a-f]{32}$/', $login['cartId'])) {
    fail('cartId ' . $login['cartId']);
}
$session = [
    'zapiToken' => $login['zapiApiToken'],
    'zapiAccountId' => (int) $login['zapiAccountId'],
    'zapiUserId' => (int) $login['zapiUserId'],
];
$cats = post($session, 'zapiGetActivityCategories');
$categories = items($cats['categories']['category']);
$activities = [];
foreach ($categories as $c) {
    $activities = array_merge($activities, items($c['activities']['activity'] ?? null));
}
if (!$activities) {
    fail('no activities');
}
$first = $activities[0];
$id = (int) $first['activityId'];
$tomorrow = gmdate('Y-m-d', time() + 86400);
$details = post($session, 'zapiGetActivityDetailsByActivityId',
    ['activityId' => $id, 'activityDate' => $tomorrow]);
$prices = [];
foreach (items($details['activity']['allowedPassengers']['passengerType']) as $p) {
    $prices[$p['systemTypeId']] = $p['basePrice'];
}
$inventory = post($session, 'zapiCheckActivityInventoryByDate',
    ['activityId' => $id, 'activityDate' => $tomorrow, 'pax' => ['adults' => 1]]);
$times = [];
foreach (items($inventory['activityTimes']['activityTime']) as $t) {
    $times[] = ['time' => $t['activityTimeStart'], 'spots' => (int) $t['activityTimeSpotsRemaining'],
                'status' => $t['status']];
}
echo json_encode([
    'client' => 'php', 'token' => $session['zapiToken'], 'cartId' => $login['cartId'],
    'categories' => count($categories), 'activities' => count($activities), 'activityId' => $id,
    'activityName' => $first['activityName'], 'imageUrl' => $first['imageUrl'],
    'prices' => (object) $prices, 'date' => $tomorrow, 'times' => $times,
], JSON_UNESCAPED_SLASHES) . "\n";
