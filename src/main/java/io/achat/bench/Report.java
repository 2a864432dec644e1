package io.achat.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** What one run measured: exact delivery accounting, rate, latency and connect time. */
public final class Report {

  private final JsonObject json = new JsonObject();

  Report(String mode, Settings settings, long sent, long expected, long delivered, long lost, long duplicates,
         long garbled, long errors, long measuredDeliveries, Duration measured, Histogram latency,
         Histogram connect, long connectMillis) {
    double seconds = measured.toNanos() / 1e9;
    List<String> targets = settings.targets().stream().map(Address::toString).toList();
    json.put("mode", mode)
      // "target" joined by spaces, so that for one address it is what it always was; "targets" for machines.
      .put("target", String.join(" ", targets))
      .put("targets", new JsonArray(targets))
      .put("clients", settings.clients())
      .put("recipients", settings.recipients());
    if (mode.equals("throughput")) {
      json.put("window", settings.window());
    }
    if (mode.equals("latency")) {
      json.put("rate", settings.rate());
    }
    json.put("sent", sent)
      .put("expected", expected)
      .put("delivered", delivered)
      .put("lost", lost)
      .put("duplicates", duplicates)
      .put("garbled", garbled)
      .put("errors", errors)
      .put("measuredSeconds", seconds)
      .put("deliveriesPerSecond", seconds > 0 ? Math.round(measuredDeliveries / seconds) : 0)
      .put("latencyMicros", percentiles(latency))
      .put("connect", new JsonObject()
        .put("totalMillis", connectMillis)
        .put("perClientMicros", percentiles(connect)));
  }

  private static JsonObject percentiles(Histogram h) {
    return new JsonObject()
      .put("count", h.getTotalCount())
      .put("p50", h.getValueAtPercentile(50))
      .put("p90", h.getValueAtPercentile(90))
      .put("p99", h.getValueAtPercentile(99))
      .put("p999", h.getValueAtPercentile(99.9))
      .put("max", h.getMaxValue());
  }

  /** Resident memory summed over {@code processes} server processes, before and after the clients logged in. */
  void rss(int processes, long before, long after) {
    if (before > 0 && after > 0) {
      int clients = json.getInteger("clients");
      json.put("serverRss", new JsonObject()
        .put("processes", processes)
        .put("beforeBytes", before)
        .put("afterBytes", after)
        .put("perClientBytes", (after - before) / clients));
    }
  }

  /**
   * CPU time summed over {@code processes} server processes during the measured window, and per
   * delivery of the messages sent in it.
   */
  void cpu(int processes, long nanos, long measuredDeliveries) {
    json.put("serverCpu", new JsonObject()
      .put("processes", processes)
      .put("seconds", nanos / 1e9)
      .put("perDeliveryMicros", measuredDeliveries > 0 ? Math.round(nanos / 1e1 / measuredDeliveries) / 100.0 : 0.0));
  }

  /** CPU time summed over {@code processes} server processes while the clients sat idle for {@code wallNanos}. */
  void idleCpu(int processes, long nanos, long wallNanos) {
    json.put("serverIdleCpu", new JsonObject()
      .put("processes", processes)
      .put("seconds", nanos / 1e9)
      .put("overSeconds", wallNanos / 1e9)
      .put("shareOfACore", (double) nanos / wallNanos));
  }

  public long lost() {
    return json.getLong("lost");
  }

  public long duplicates() {
    return json.getLong("duplicates");
  }

  public long garbled() {
    return json.getLong("garbled");
  }

  public long errors() {
    return json.getLong("errors");
  }

  public JsonObject toJson() {
    return json.copy();
  }

  @Override
  public String toString() {
    JsonObject lat = json.getJsonObject("latencyMicros");
    JsonObject con = json.getJsonObject("connect");
    StringBuilder out = new StringBuilder();
    JsonArray targets = json.getJsonArray("targets");
    out.append(String.format(Locale.ROOT, "%s against %s: %d clients, %d recipients per message%n",
      json.getString("mode"), targets.size() == 1 ? targets.getString(0) : targets.size() + " addresses",
      json.getInteger("clients"), json.getInteger("recipients")));
    if (targets.size() > 1) {
      out.append(String.format(Locale.ROOT, "  addresses            %s, round robin%n", json.getString("target")));
    }
    out.append(String.format(Locale.ROOT, "  messages sent        %d%n", json.getLong("sent")));
    out.append(String.format(Locale.ROOT, "  deliveries expected  %d%n", json.getLong("expected")));
    out.append(String.format(Locale.ROOT, "  delivered            %d   lost %d   duplicates %d   garbled %d   errors %d%n",
      json.getLong("delivered"), json.getLong("lost"), json.getLong("duplicates"), json.getLong("garbled"),
      json.getLong("errors")));
    out.append(String.format(Locale.ROOT, "  deliveries/s         %d (over %.1f s)%n",
      json.getLong("deliveriesPerSecond"), json.getDouble("measuredSeconds")));
    if (lat.getLong("count") > 0) {
      out.append(String.format(Locale.ROOT, "  latency µs           p50 %d   p90 %d   p99 %d   p99.9 %d   max %d%n",
        lat.getLong("p50"), lat.getLong("p90"), lat.getLong("p99"), lat.getLong("p999"), lat.getLong("max")));
    }
    JsonObject per = con.getJsonObject("perClientMicros");
    out.append(String.format(Locale.ROOT, "  connect + login      %d ms for all; per client µs p50 %d   p99 %d   max %d%n",
      con.getLong("totalMillis"), per.getLong("p50"), per.getLong("p99"), per.getLong("max")));
    JsonObject cpu = json.getJsonObject("serverCpu");
    if (cpu != null) {
      int processes = cpu.getInteger("processes");
      out.append(String.format(Locale.ROOT, "  server CPU           %.2f s in the measured %.1f s: %.2f µs per delivery%s%n",
        cpu.getDouble("seconds"), json.getDouble("measuredSeconds"), cpu.getDouble("perDeliveryMicros"),
        processes > 1 ? ", summed over " + processes + " processes" : ""));
    }
    JsonObject rss = json.getJsonObject("serverRss");
    if (rss != null) {
      int processes = rss.getInteger("processes");
      out.append(String.format(Locale.ROOT, "  server RSS           %d KiB before, %d KiB after: %d bytes per client%s%n",
        rss.getLong("beforeBytes") / 1024, rss.getLong("afterBytes") / 1024, rss.getLong("perClientBytes"),
        processes > 1 ? ", summed over " + processes + " processes" : ""));
    }
    JsonObject idle = json.getJsonObject("serverIdleCpu");
    if (idle != null) {
      int processes = idle.getInteger("processes");
      out.append(String.format(Locale.ROOT, "  server CPU idle      %.2f s in %.1f s: %.2f %% of a core%s%n",
        idle.getDouble("seconds"), idle.getDouble("overSeconds"), 100 * idle.getDouble("shareOfACore"),
        processes > 1 ? ", summed over " + processes + " processes" : ""));
    }
    return out.toString();
  }
}
