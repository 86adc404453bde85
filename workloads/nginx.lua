-- nginx: Debian's nginx (nginx-light) as the service, started by tare for each trial on a free
-- loopback port ({port}) with a configuration generated into the trial's folder, and loaded by
-- tare's open-loop driver (workloads/replay.c --http: wrk2's method, latency from each request's
-- intended send time).  One unit is one response.  The master and its workers run in the
-- workload's cgroup, so their CPU is the workload's; a profiler that attaches to {pid} before
-- the gate opens follows the workers nginx forks (perf record -p inherits).
--
--   tare run scripts/nginx.lua                      perf record on nginx at 2000 req/s
--   workload = { "nginx", rate = 5000, workers = 2, body_bytes = 4096 }
local function prog(name) return tare.build .. "/workloads/" .. name end

return {
  description = "nginx (Debian's nginx-light) serving a fixed body, under open-loop HTTP/1.1 load",
  unit = "requests",
  options = {
    rate        = { "requests per second, evenly spaced (open loop)", 2000, type = "number", min = 0.001, max = 1000000 },
    connections = { "keep-alive client connections, at most one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    workers     = { "nginx worker processes", 1, type = "integer", min = 1, max = 64 },
    body_bytes  = { "bytes of the response body", 512, type = "integer", min = 0, max = 1048576 },
  },
  available = function()
    if not tare.which("nginx") and not tare.exists("/usr/sbin/nginx") then
      return false, "nginx is not installed: apt-get install nginx-light"
    end
    if not tare.exists(prog("replay")) then return false, prog("replay") .. " is not built: run make" end
    return true
  end,
  command = function(o, t)
    return { tare.exists("/usr/sbin/nginx") and "/usr/sbin/nginx" or "nginx",
             "-p", t.dir, "-c", t.dir .. "/nginx.conf" }
  end,
  -- Everything nginx writes stays in the trial's folder; nothing of /etc/nginx is read.
  files = function(o, t)
    return { ["nginx.conf"] = table.concat({
      "daemon off;",
      "master_process on;",
      "worker_processes " .. o.workers .. ";",
      "pid " .. t.dir .. "/nginx.pid;",
      "error_log " .. t.dir .. "/nginx-error.log warn;",
      "events { worker_connections 1024; }",
      "http {",
      "  access_log off;",
      "  keepalive_requests 1000000;",
      "  keepalive_timeout 300s;",
      "  client_body_temp_path " .. t.dir .. "/nginx-body;",
      "  proxy_temp_path " .. t.dir .. "/nginx-proxy;",
      "  fastcgi_temp_path " .. t.dir .. "/nginx-fastcgi;",
      "  uwsgi_temp_path " .. t.dir .. "/nginx-uwsgi;",
      "  scgi_temp_path " .. t.dir .. "/nginx-scgi;",
      "  server {",
      "    listen 127.0.0.1:" .. t.port .. ";",
      "    location = / { default_type text/plain; return 200 '" .. string.rep("x", o.body_bytes) .. "'; }",
      "  }",
      "}", "" }, "\n") }
  end,
  threads = function(o) return o.workers end,
  -- ready when the port answers
  ready = { port = "{port}", timeout = 10 },
  -- SIGTERM is nginx's fast shutdown
  stop_grace = 5,
  driver = function(o, t)
    return { prog("replay"), "--port", t.port, "--http", "/", "--rate", o.rate,
             "--connections", o.connections, "--latency", t.dir .. "/latency" }
  end,
}
