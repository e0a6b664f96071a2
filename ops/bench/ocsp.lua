-- ops/bench/ocsp.lua: a wrk script that sends, round robin, one request
-- per line of a list file (ops/bench-revocation.sh writes the lists), or
-- one per slice of a file of requests of one length (ops/bench-ocsp.sh).
--
--   wrk ... -s ops/bench/ocsp.lua <url> -- post <list>
--       POST <url's path> with the body read from each file the list
--       names (DER OCSP requests), Content-Type application/ocsp-request
--   wrk ... -s ops/bench/ocsp.lua <url> -- get <list>
--       GET each path the list holds (e.g. /ocsp/<percent-encoded
--       base64 request>, or /healthz)
--   wrk ... -s ops/bench/ocsp.lua <url> -- fixed <file> <length>
--       POST <url's path> with each <length> bytes of file as the body
--       (requests of one length written one after the other, as
--       ops/bench-ocsp.sh does), Content-Type application/ocsp-request
--
-- Every request says Connection: keep-alive, so that a responder that
-- speaks HTTP/1.0 (openssl ocsp) may keep the connection too.  The
-- requests are formatted once; each wrk thread starts at its own place in
-- the list.
--
-- wrk's own wrk.resolve() probes each address by connecting and closing
-- at once, without a request.  The stock `openssl ocsp` responder (3.0)
-- then reads EOF for ever at full CPU and answers no one again (openssl
-- issues 23934, 31129), so the addresses are only looked up here.

function wrk.resolve(host, service)
	wrk.addrs = wrk.lookup(host, service)
end

local reqs = {}
local n = 0
local i = 0

function init(args)
	local mode, list = args[1], args[2]
	if (mode ~= "post" and mode ~= "get" and mode ~= "fixed") or list == nil
	    or (mode == "fixed" and tonumber(args[3]) == nil) then
		error("usage: -- post|get <list file> | fixed <file> <length>")
	end
	local headers = {["Connection"] = "keep-alive"}
	if mode ~= "get" then
		headers["Content-Type"] = "application/ocsp-request"
	end
	if mode == "fixed" then
		local f = assert(io.open(list, "rb"))
		local all = f:read("*a")
		f:close()
		local len = tonumber(args[3])
		for at = 1, #all, len do
			reqs[#reqs + 1] = wrk.format("POST", nil, headers,
			    string.sub(all, at, at + len - 1))
		end
	else
		for line in io.lines(list) do
			if mode == "post" then
				local f = assert(io.open(line, "rb"))
				local body = f:read("*a")
				f:close()
				reqs[#reqs + 1] = wrk.format("POST", nil, headers, body)
			else
				reqs[#reqs + 1] = wrk.format("GET", line, headers, nil)
			end
		end
	end
	n = #reqs
	if n == 0 then
		error("no request in " .. list)
	end
	-- tostring({}) differs between the threads' Lua states
	local seed = tonumber(string.match(tostring({}), "0x(%x+)"), 16) or 0
	math.randomseed(os.time() + seed % 1000003)
	i = math.random(n) - 1
end

function request()
	i = i % n + 1
	return reqs[i]
end
