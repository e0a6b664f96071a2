-- wrk script: POST /v1/applications with a valid body whose e-mail is new
-- on every request (run tag, thread number, counter).
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

local counter = 0

local template = [[{"product":"epcs-hardware","storage":"new-token",]] ..
	[["shipping":"usps","program":null,"voucher":null,"applicant":{]] ..
	[["given_name":"Ada","middle_name":null,"family_name":"Lovelace",]] ..
	[["date_of_birth":"1975-12-10","email":"EMAIL",]] ..
	[["phone":"+13175550100","home_address":{"line1":"1 Main St",]] ..
	[["line2":null,"city":"Indianapolis","state":"IN",]] ..
	[["postal_code":"46204","country":"US"},"npi":"1234567893",]] ..
	[["dea_number":"AL1234563","ssn_last4":"1234"},]] ..
	[["address_verification":{"card_token":"tok_avs_1"},]] ..
	[["payment":{"card_token":"tok_pay_1"},]] ..
	[["account":{"password":"correct horse battery","secret_questions":[]] ..
	[[{"question":"First pet's name?","answer":"Rex"},]] ..
	[[{"question":"City you were born in?","answer":"London"},]] ..
	[[{"question":"Favourite teacher?","answer":"Babbage"}]},]] ..
	[["subscriber_agreement":{"version":"2026-01","accepted":true}}]]

function request()
	counter = counter + 1
	local email = string.format("bench.%s.%d.%d@example.org", run,
		tid or 0, counter)
	local body = template:gsub("EMAIL", email)
	return wrk.format("POST", "/v1/applications",
		{["Content-Type"] = "application/json"}, body)
end

