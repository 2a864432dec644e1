package io.achat.perf;

import io.vertx.core.json.JsonObject;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Draws the sweep's chart from {@link Sweep}'s JSON: server CPU per delivery against the rate
 * delivered, one line per server, each point the median of its rounds. Saturated runs sit at the
 * rate they reached.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.achat.perf.SweepChart \
 *   -Dexec.args="docs/perf/sweep.json docs/perf/sweep.svg"
 * </pre>
 */
public final class SweepChart {

  private SweepChart() {
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path in = Path.of(args.length > 0 ? args[0] : "docs/perf/sweep.json");
    String out = args.length > 1 ? args[1] : "docs/perf/sweep.svg";
    VectorGraphicsEncoder.saveVectorGraphic(chart(new JsonObject(Files.readString(in))), out,
      VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    System.out.println("wrote " + out);
  }

  /** The chart of {@code sweep}. */
  static XYChart chart(JsonObject sweep) {
    XYChart chart = new XYChartBuilder().width(760).height(460)
      .title("Server CPU per delivery, " + sweep.getInteger("clients") + " clients × " + sweep.getInteger("recipients")
        + " recipients")
      .xAxisTitle("messages/s (saturated: the rate reached)").yAxisTitle("µs of server CPU per delivery").build();
    chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setMarkerSize(8);
    for (Map.Entry<String, List<double[]>> side : medians(sweep).entrySet()) {
      double[] x = side.getValue().stream().mapToDouble(p -> p[0]).toArray();
      double[] y = side.getValue().stream().mapToDouble(p -> p[1]).toArray();
      XYSeries series = chart.addSeries(side.getKey(), x, y);
      series.setMarker(SeriesMarkers.CIRCLE);
    }
    return chart;
  }

  /** Per side, in rate order: {messages/s delivered, median µs per delivery}. */
  static Map<String, List<double[]>> medians(JsonObject sweep) {
    Map<String, Map<String, List<double[]>>> bySide = new LinkedHashMap<>();
    int recipients = sweep.getInteger("recipients");
    sweep.getJsonArray("runs").forEach(o -> {
      JsonObject run = (JsonObject) o;
      JsonObject report = run.getJsonObject("report");
      JsonObject cpu = report.getJsonObject("serverCpu");
      if (cpu == null) {
        return;
      }
      double messages = report.getLong("deliveriesPerSecond") / (double) recipients;
      bySide.computeIfAbsent(run.getString("side"), s -> new LinkedHashMap<>())
        .computeIfAbsent(run.getString("rate"), r -> new ArrayList<>())
        .add(new double[] {messages, cpu.getDouble("perDeliveryMicros")});
    });
    Map<String, List<double[]>> result = new LinkedHashMap<>();
    bySide.forEach((side, rates) -> {
      TreeMap<Double, Double> points = new TreeMap<>();
      rates.values().forEach(runs -> points.put(median(runs, 0), median(runs, 1)));
      List<double[]> list = new ArrayList<>();
      points.forEach((x, y) -> list.add(new double[] {x, y}));
      result.put(side, list);
    });
    return result;
  }

  private static double median(List<double[]> runs, int field) {
    double[] values = runs.stream().mapToDouble(r -> r[field]).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
}
