package io.achat.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The sweep's chart is drawn from the sweep's JSON: medians per server and rate, as an SVG. */
@Timeout(60)
class SweepChartTest {

  private static JsonObject run(String side, String rate, long deliveriesPerSecond, double micros) {
    return new JsonObject().put("side", side).put("rate", rate).put("round", 1).put("report", new JsonObject()
      .put("deliveriesPerSecond", deliveriesPerSecond)
      .put("serverCpu", new JsonObject().put("perDeliveryMicros", micros)));
  }

  private static JsonObject sweep() {
    return new JsonObject().put("clients", 1000).put("recipients", 3).put("runs", new JsonArray()
      .add(run("a", "500", 1500, 30.0)).add(run("a", "500", 1500, 10.0)).add(run("a", "500", 1502, 20.0))
      .add(run("a", Sweep.SATURATED, 900_000, 1.5)).add(run("a", Sweep.SATURATED, 1_100_000, 2.5))
      .add(run("b", "5000", 15000, 7.0))
      .add(new JsonObject().put("side", "b").put("rate", "500").put("round", 1)
        .put("report", new JsonObject().put("deliveriesPerSecond", 1500)))); // no CPU read: left out
  }

  @Test
  void eachPointIsTheMedianOfItsRoundsInRateOrder() {
    Map<String, List<double[]>> medians = SweepChart.medians(sweep());
    assertThat(medians).containsOnlyKeys("a", "b");
    List<double[]> a = medians.get("a");
    assertThat(a).hasSize(2);
    assertThat(a.get(0)).containsExactly(500.0, 20.0);
    assertThat(a.get(1)[0]).isCloseTo(1_000_000 / 3.0, within(1e-6));
    assertThat(a.get(1)[1]).isEqualTo(2.0);
    assertThat(medians.get("b")).singleElement().satisfies(p -> assertThat(p).containsExactly(5000.0, 7.0));
  }

  @Test
  void theChartHasALinePerServerAndIsWrittenAsAnSvg(@TempDir Path dir) throws Exception {
    XYChart chart = SweepChart.chart(sweep());
    assertThat(chart.getSeriesMap()).containsOnlyKeys("a", "b");
    assertThat(chart.getSeriesMap().get("a").getYData()).containsExactly(20.0, 2.0);
    Path json = dir.resolve("sweep.json");
    Files.writeString(json, sweep().encode());
    Path svg = dir.resolve("sweep.svg");
    SweepChart.main(new String[] {json.toString(), svg.toString()});
    assertThat(Files.readString(svg)).startsWith("<?xml").contains("<svg").contains("</svg>");
  }
}
