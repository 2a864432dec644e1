package io.achat.bench;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code bench failover} prints: each run's outcome, and per case its minimum, median and maximum. */
final class FailoverReport {

  private FailoverReport() {
  }

  /**
   * The outcome of one run: seconds from the signal until a survivor accepted the first user and
   * every user ({@code -1} if not all were), and to each step the first survivor logged.
   */
  record Run(double first, double seconds, Map<String, Double> steps, Double migrated, String failure) {

    boolean freed() {
      return seconds >= 0;
    }

    @Override
    public String toString() {
      if (!freed()) {
        return "not every login free: " + failure;
      }
      StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "all %.2f s (first %.2f s); first survivor:", seconds,
        first));
      steps.forEach((step, at) -> text.append(String.format(Locale.ROOT, " %s +%.2f s,", step, at)));
      text.append(migrated == null ? " partitions still moving"
        : String.format(Locale.ROOT, " partitions in place %+.2f s", migrated));
      return text.toString();
    }
  }

  /** The table of {@code results}: per case, minimum, median and maximum, then when the first survivor logged each of {@code steps}. */
  static String of(Map<FailoverCase, List<Run>> results, int users, int nodes, Collection<String> steps) {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "failover of a node of %d with %d user%s on it: seconds from the signal until "
      + "a survivor accepts every one of them (and the first)%n", nodes, users, users == 1 ? "" : "s"));
    text.append(String.format(Locale.ROOT, "%-40s %5s %7s %7s %7s   %s%n", "case", "runs", "min", "median", "max",
      "first: min / median / max"));
    results.forEach((c, list) -> {
      List<Double> all = list.stream().filter(Run::freed).map(Run::seconds).sorted().toList();
      List<Double> first = list.stream().filter(Run::freed).map(Run::first).sorted().toList();
      String runsText = all.size() == list.size() ? Integer.toString(list.size()) : all.size() + "/" + list.size();
      if (all.isEmpty()) {
        text.append(String.format(Locale.ROOT, "%-40s %5s %7s %7s %7s%n", c.title, runsText, "-", "-", "-"));
      } else {
        text.append(String.format(Locale.ROOT, "%-40s %5s %7.2f %7.2f %7.2f   %.2f / %.2f / %.2f%n", c.title, runsText,
          all.get(0), median(all), all.get(all.size() - 1), first.get(0), median(first), first.get(first.size() - 1)));
      }
    });
    text.append(String.format(Locale.ROOT, "%nwhen the first survivor logged each step, seconds after the signal (median of the runs)%n"));
    text.append(String.format(Locale.ROOT, "%-40s", "case"));
    steps.forEach(step -> text.append(String.format(Locale.ROOT, " %18s", step)));
    text.append(String.format(Locale.ROOT, " %19s%n", "partitions in place"));
    results.forEach((c, list) -> {
      text.append(String.format(Locale.ROOT, "%-40s", c.title));
      for (String step : steps) {
        text.append(String.format(Locale.ROOT, " %18s", medianText(list.stream().filter(Run::freed)
          .map(run -> run.steps().get(step)).toList())));
      }
      text.append(String.format(Locale.ROOT, " %19s%n", medianText(list.stream().filter(Run::freed)
        .map(Run::migrated).toList())));
    });
    return text.toString();
  }

  /** The median of the values logged, with how many runs logged it when not all did. */
  private static String medianText(List<Double> values) {
    List<Double> present = values.stream().filter(v -> v != null).sorted().toList();
    if (present.isEmpty()) {
      return "-";
    }
    String text = String.format(Locale.ROOT, "%+.2f", median(present));
    return present.size() == values.size() ? text : text + " (" + present.size() + "/" + values.size() + ")";
  }

  private static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
