// Server: a Java HTTP service for tare (workloads/java.lua), on the JDK's own
// com.sun.net.httpserver, so it needs nothing but a JDK.  Per request it spends --work-us of the
// handling thread's CPU in three methods of known shares, cpuHot 70%, cpuWarm 20% and cpuCold 10%,
// so a Java profiler's output can be checked against the truth (more cpuHot than cpuCold), and
// answers a fixed body with a Content-Length (keep-alive).
//
//   java -cp build/workloads/java Server --port P [--threads N] [--work-us U] [--body-bytes B]
//
// SIGTERM stops the server and exits 0, running the JVM's shutdown hooks on the way (JFR's
// dumponexit writes its recording in one).
//
// -Dtare.jfr.toggle=SETTINGS -Dtare.jfr.file=PREFIX (profilers/jfr.lua, when = "signal"): each
// SIGUSR1 starts a Flight Recording with the JDK's SETTINGS (default, profile), or stops the one
// running, which writes PREFIX.N.jfr (N = 0, 1, ...): JFR switched inside one warm JVM, for
// tare's switchback design, through the jdk.jfr API that services embed it with.  JFR itself is
// started up (two short recordings, written and deleted) before the server listens, so the first
// on window pays for recording, not for loading JFR's classes and threads.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

public final class Server {
	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
	// Folded into each reply's handling so the JIT cannot drop the arithmetic as dead code.
	private static volatile long sink;

	// This thread's CPU time (ns): work is CPU, not wall time, so a preempted thread still does
	// its whole share (the VM has 2 shared CPUs).
	private static long cpuNow() {
		return THREADS.getCurrentThreadCpuTime();
	}

	// The three sites spin in their own loops, not in a shared helper: a sampler then finds each
	// share of the work in its own frame (its self time), as the names promise.  A check of the
	// CPU clock (a system call) every 2000 multiplications keeps its cost a few percent.
	static long cpuHot(long ns, long x) {
		long end = cpuNow() + ns;
		do {
			for (int i = 0; i < 2000; i++)
				x = x * 6364136223846793005L + 1442695040888963407L;
		} while (cpuNow() < end);
		return x;
	}

	static long cpuWarm(long ns, long x) {
		long end = cpuNow() + ns;
		do {
			for (int i = 0; i < 2000; i++)
				x = x * 6364136223846793005L + 1442695040888963407L;
		} while (cpuNow() < end);
		return x;
	}

	static long cpuCold(long ns, long x) {
		long end = cpuNow() + ns;
		do {
			for (int i = 0; i < 2000; i++)
				x = x * 6364136223846793005L + 1442695040888963407L;
		} while (cpuNow() < end);
		return x;
	}

	// The recording SIGUSR1 started, or null; stretches counts the files written.
	private static jdk.jfr.Recording jfr;
	private static int stretches;

	private static synchronized void jfrToggle(jdk.jfr.Configuration conf, String prefix) {
		try {
			if (jfr == null) {
				jfr = new jdk.jfr.Recording(conf);
				jfr.setDestination(Path.of(prefix + "." + stretches++ + ".jfr"));
				jfr.setDumpOnExit(true);	// stopped by SIGTERM while on: written at exit
				jfr.start();
			} else {
				jfr.stop();	// writes the destination
				jfr.close();
				jfr = null;
			}
		} catch (IOException | RuntimeException e) {
			System.err.println("Server: JFR toggle: " + e);
		}
	}

	private static void jfrSignal(String settings, String prefix) {
		jdk.jfr.Configuration conf;
		try {
			conf = jdk.jfr.Configuration.getConfiguration(settings);
		} catch (IOException | java.text.ParseException e) {
			usage("-Dtare.jfr.toggle: no JFR settings '" + settings + "': " + e.getMessage());
			return;
		}
		if (prefix == null)
			usage("-Dtare.jfr.toggle needs -Dtare.jfr.file=PREFIX");
		// Two short recordings written and deleted.  Without them the first toggle's on half second
		// cost the idle JVM 800 ms of CPU (class loading, JIT), then 160, 50; with one written (or
		// three never written: 290) 20-30 ms, as every later start does.
		for (int i = 0; i < 2; i++) {
			Path warmFile = Path.of(prefix + ".warm.jfr");
			try (jdk.jfr.Recording warm = new jdk.jfr.Recording(conf)) {
				warm.setDestination(warmFile);
				warm.start();
				Thread.sleep(100);
				warm.stop();
				java.nio.file.Files.deleteIfExists(warmFile);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			} catch (IOException e) {
				usage("-Dtare.jfr.file: " + e);
			}
		}
		sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> jfrToggle(conf, prefix));
	}

	private static void usage(String why) {
		System.err.println("Server: " + why + "\nusage: Server --port P [--threads N] [--work-us U] [--body-bytes B]");
		System.exit(2);
	}

	private static int intArg(String[] args, int i, String name, int min) {
		if (i >= args.length)
			usage(name + " needs a value");
		try {
			int v = Integer.parseInt(args[i]);
			if (v < min)
				usage(name + " " + args[i] + " is below " + min);
			return v;
		} catch (NumberFormatException e) {
			usage(name + " '" + args[i] + "' is not an integer");
		}
		return 0;
	}

	public static void main(String[] args) throws IOException {
		int port = -1, threads = 4, workUs = 200, bodyBytes = 512;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
			case "--port": port = intArg(args, ++i, "--port", 1); break;
			case "--threads": threads = intArg(args, ++i, "--threads", 1); break;
			case "--work-us": workUs = intArg(args, ++i, "--work-us", 0); break;
			case "--body-bytes": bodyBytes = intArg(args, ++i, "--body-bytes", 0); break;
			default: usage("unknown argument '" + args[i] + "'");
			}
		}
		if (port < 0)
			usage("--port is required");
		final long hotNs = workUs * 700L, warmNs = workUs * 200L, coldNs = workUs * 100L;
		final byte[] body = new byte[bodyBytes];
		Arrays.fill(body, (byte) 'x');

		// before the port is bound: a port that answers is the workload's ready, and tare may
		// signal it from then on
		if (System.getProperty("tare.jfr.toggle") != null)
			jfrSignal(System.getProperty("tare.jfr.toggle"), System.getProperty("tare.jfr.file"));

		// TCP_NODELAY: the server writes the headers and the body separately, and with Nagle the
		// body waits for the client's delayed ACK: 40 ms a request, 16 connections at ~350/s.
		System.setProperty("sun.net.httpserver.nodelay", "true");
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		server.setExecutor(pool);
		server.createContext("/", (HttpExchange ex) -> {
			try (InputStream in = ex.getRequestBody()) {
				in.readAllBytes();
			}
			long x = ex.hashCode();
			x = cpuHot(hotNs, x);
			x = cpuWarm(warmNs, x);
			x = cpuCold(coldNs, x);
			sink = x;
			ex.getResponseHeaders().set("Content-Type", "text/plain");
			ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
			try (OutputStream out = ex.getResponseBody()) {
				out.write(body);
			}
		});
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			server.stop(0);
			pool.shutdownNow();
		}, "stop"));
		// The JVM exits 143 on SIGTERM by default; a clean stop is asked for, so say 0.  exit()
		// runs the shutdown hooks: the one above, and JFR's.
		sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> System.exit(0));
		server.start();
		System.out.println("Server: listening on 127.0.0.1:" + port + ", " + threads + " threads, " + workUs + " us of work per request");
	}
}
