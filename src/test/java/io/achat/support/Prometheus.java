package io.achat.support;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading a scrape in Prometheus's text format. */
public final class Prometheus {

  private Prometheus() {
  }

  /** The value of the one sample {@code series} (a regular expression, labels included) in {@code scrape}. */
  public static double sample(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(scrape);
    if (!m.find()) {
      throw new AssertionError("no " + series + " in " + scrape);
    }
    return Double.parseDouble(m.group(1));
  }
}
