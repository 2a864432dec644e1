package io.achat.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code a-chat bench MODE [options] [ADDRESS...]}: a load generator for any server speaking
 * the protocol, over TCP ({@code HOST:PORT}) or a WebSocket ({@code ws://HOST:PORT/PATH}), or
 * both in one run. Connects only to the addresses given, client i to the (i mod n)-th of n, so that
 * several processes or cluster nodes serving one chat are loaded evenly; stops by itself;
 * progress on standard error, the report on standard output.
 */
@Command(name = "a-chat bench", mixinStandardHelpOptions = true, sortOptions = false,
  description = "Loads a chat server that speaks the a-chat protocol and reports exact delivery counts, "
    + "deliveries per second, latency and connect time. Given several addresses of one chat, "
    + "client i connects to the (i mod n)-th of the n addresses; recipients are chosen among all clients. "
    + "An address is HOST:PORT for the line protocol over TCP, or ws://HOST:PORT/PATH (PATH /ws if left out) "
    + "for text messages of whole lines over a WebSocket; a run may mix both.",
  subcommands = {BenchCommand.Throughput.class, BenchCommand.Latency.class, BenchCommand.Idle.class, Guesses.class,
    Failover.class, Watchers.class})
public final class BenchCommand implements Callable<Integer> {

  /** Runs {@code args} and returns the exit status: 0, or 1 if anything was lost, duplicated or garbled. */
  public static int main(String[] args) {
    return new CommandLine(new BenchCommand()).execute(args);
  }

  @Override
  public Integer call() {
    CommandLine.usage(this, System.err);
    return 2;
  }

  abstract static class Mode implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ADDRESS", defaultValue = "localhost:8080",
      description = "server addresses, HOST:PORT (TCP) or ws://HOST:PORT/PATH (WebSocket, PATH /ws if left out), "
        + "taken round robin: client i connects to the (i mod n)-th (default ${DEFAULT-VALUE})")
    List<String> targets;

    @Option(names = "--clients", description = "clients (default ${DEFAULT-VALUE})")
    int clients = defaultClients();

    @Option(names = "--recipients", description = "distinct other clients per message (default ${DEFAULT-VALUE})")
    int recipients = 3;

    @Option(names = "--size", description = "bytes of padding per message (default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--warmup", description = "seconds before measuring (default ${DEFAULT-VALUE})")
    double warmup = 2;

    @Option(names = "--duration", description = "seconds measured (default ${DEFAULT-VALUE})")
    double duration = 10;

    @Option(names = "--drain", description = "seconds to wait for what is in flight at the end (default ${DEFAULT-VALUE})")
    double drain = 10;

    @Option(names = "--prefix", description = "login prefix, logins are PREFIX0, PREFIX1, ... (default ${DEFAULT-VALUE})")
    String prefix = "u";

    @Option(names = "--connect-concurrency", description = "connections being set up at once (default ${DEFAULT-VALUE})")
    int connectConcurrency = 256;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Option(names = "--server-pid", paramLabel = "PID", split = ",",
      description = "server process (on this machine) to read from /proc: CPU time over the measured window "
        + "(throughput, latency) or resident memory before and after logging in (idle); repeat it or separate "
        + "pids with commas for several processes, which are summed")
    List<Long> serverPids = new ArrayList<>();

    int window() {
      return 0;
    }

    double rate() {
      return 0;
    }

    double hold() {
      return 0;
    }

    List<Long> serverPids() {
      return serverPids;
    }

    int defaultClients() {
      return 100;
    }

    abstract Report run(Load load) throws Exception;

    @Override
    public Integer call() throws Exception {
      Settings settings;
      try {
        settings = new Settings(targets.stream().map(Address::parse).toList(), clients, recipients, window(),
          rate(), size, seconds(warmup), seconds(duration), seconds(drain), seconds(hold()), prefix,
          connectConcurrency, serverPids());
      } catch (IllegalArgumentException e) {
        // A bad address or count is the user's: picocli prints it with the usage, and exits with 2.
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      PrintStream progress = System.err;
      Load load = new Load(settings, progress);
      Report report;
      try {
        report = run(load);
      } catch (Exception e) {
        load.abandon();
        progress.println("a-chat bench: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        return 1;
      }
      System.out.println(json ? report.toJson().encodePrettily() : report.toString());
      boolean clean = report.lost() == 0 && report.duplicates() == 0 && report.garbled() == 0 && report.errors() == 0;
      return clean ? 0 : 1;
    }

    private static Duration seconds(double s) {
      return Duration.ofMillis(Math.round(s * 1000));
    }
  }

  @Command(name = "throughput", mixinStandardHelpOptions = true,
    description = "Closed loop: each client keeps WINDOW messages in flight to RECIPIENTS random others.")
  static final class Throughput extends Mode {
    @Option(names = "--window", description = "messages in flight per client (default ${DEFAULT-VALUE})")
    int window = 16;

    @Override
    int window() {
      return window;
    }

    @Override
    Report run(Load load) throws Exception {
      return load.throughput();
    }
  }

  @Command(name = "latency", mixinStandardHelpOptions = true,
    description = "Open loop at a fixed total rate; latency is measured from when each message was due.")
  static final class Latency extends Mode {
    @Option(names = "--rate", description = "messages per second over all clients (default ${DEFAULT-VALUE})")
    double rate = 5000;

    @Override
    double rate() {
      return rate;
    }

    @Override
    int defaultClients() {
      return 1000;
    }

    @Override
    Report run(Load load) throws Exception {
      return load.latency();
    }
  }

  @Command(name = "idle", mixinStandardHelpOptions = true,
    description = "Logged-in clients that say nothing, held for a while to read the server's memory.")
  static final class Idle extends Mode {
    @Option(names = "--hold", description = "seconds to hold the connections (default ${DEFAULT-VALUE})")
    double hold = 10;

    @Override
    double hold() {
      return hold;
    }

    @Override
    int defaultClients() {
      return 10_000;
    }

    @Override
    Report run(Load load) throws Exception {
      return load.idle();
    }
  }
}
