#!/usr/bin/env ruby
# A partner's Ruby client as the public ones are written: Net::HTTP, XML bodies with Rails-style
# typed attributes (type="integer", nil="true", the <?xml?> header), REXML to read answers.
# Logs in with zapiAgentLogin, then uses the session it got: categories, the first activity's
# details, its inventory for tomorrow. Prints one JSON line of what it read; exits 1 on failure.
#
#   ZAPI_URL=https://localhost:8443/zapi/ ZAPI_CA=certs/ca.pem ruby client.rb
require "json"
require "net/http"
require "openssl"
require "rexml/document"
require "time"

URL = URI(ENV.fetch("ZAPI_URL", "https://localhost:8443/zapi/"))
CA = ENV.fetch("ZAPI_CA", "certs/ca.pem")

def fail!(msg)
  warn "client.rb: #{msg}"
  exit 1
end

# One element, Rails-style: integers typed, nil as nil="true", hashes nested.
def element(name, value)
  case value
  when nil then %(<#{name} nil="true"/>)
  when Integer then %(<#{name} type="integer">#{value}</#{name}>)
  when Hash then "<#{name}>" + value.map { |k, v| element(k, v) }.join + "</#{name}>"
  else "<#{name}>#{value.to_s.encode(xml: :text)}</#{name}>"
  end
end

def post(top, method, params = {})
  body = %(<?xml version="1.0" encoding="UTF-8"?>\n<request>) +
         top.map { |k, v| element(k, v) }.join +
         element("zapiMethod", { "methodName" => method }.merge(params)) + "</request>"
  http = Net::HTTP.new(URL.host, URL.port)
  http.use_ssl = true
  http.verify_mode = OpenSSL::SSL::VERIFY_PEER
  http.ca_file = CA
  res = http.post(URL.path, body, "Content-Type" => "application/xml")
  fail!("#{method}: HTTP #{res.code}") unless res.code == "200"
  doc = REXML::Document.new(res.body)
  error = doc.elements["response/error"]&.text
  fail!("#{method}: error #{error}: #{doc.elements['response/message']&.text}") unless error == "0"
  mr = doc.elements["response/methodResponse"]
  code = mr.elements["methodErrorCode"]&.text
  fail!("#{method}: methodErrorCode #{code}: #{mr.elements['methodErrorMessage']&.text}") unless code == "0"
  mr
end

login = post({ "zapiUsername" => "naddau", "zapiPassword" => "zaui-demo" }, "zapiAgentLogin")
fail!("login: #{login.elements['methodErrorMessage'].text}") unless
  login.elements["methodErrorMessage"].text == "Login Successful"
session = {
  "zapiToken" => login.elements["zapiApiToken"].text,
  "zapiUserId" => Integer(login.elements["zapiUserId"].text),
  "zapiAccountId" => Integer(login.elements["zapiAccountId"].text),
}
cart = login.elements["cartId"].text
fail!("cartId #{cart.inspect}") unless cart =~ /\A\h{32}\z/

cats = post(session, "zapiGetActivityCategories")
activities = cats.get_elements("categories/category/activities/activity")
fail!("no activities") if activities.empty?
first = activities.first
id = Integer(first.elements["activityId"].text)
tomorrow = (Time.now.utc + 86_400).strftime("%Y-%m-%d")

details = post(session, "zapiGetActivityDetailsByActivityId",
               "activityId" => id, "activityDate" => tomorrow, "promoCode" => nil)
prices = details.get_elements("activity/allowedPassengers/passengerType").map do |p|
  [p.elements["systemTypeId"].text, p.elements["basePrice"].text]
end
inventory = post(session, "zapiCheckActivityInventoryByDate",
                 "activityId" => id, "activityDate" => tomorrow,
                 "pax" => { "adults" => 1, "children" => nil })
times = inventory.get_elements("activityTimes/activityTime").map do |t|
  { "time" => t.elements["activityTimeStart"].text,
    "spots" => Integer(t.elements["activityTimeSpotsRemaining"].text),
    "status" => t.elements["status"].text }
end
puts JSON.generate(
  "client" => "ruby", "token" => session["zapiToken"], "cartId" => cart,
  "categories" => cats.get_elements("categories/category").size,
  "activities" => activities.size, "activityId" => id,
  "activityName" => first.elements["activityName"].text,
  "imageUrl" => first.elements["imageUrl"].text,
  "prices" => prices.to_h, "date" => tomorrow, "times" => times
)
