package io.achat.bench;

/** One server address the benchmark connects clients to. */
public record Address(String host, int port) {

  /**
   * Parses {@code HOST:PORT}, splitting at the last colon so that a bare IPv6 host such as
   * {@code ::1:8080} keeps its own colons.
   *
   * @throws IllegalArgumentException naming {@code text} when it is not one
   */
  public static Address parse(String text) {
    int colon = text.lastIndexOf(':');
    int port = colon > 0 ? portOf(text.substring(colon + 1)) : 0;
    if (port == 0) {
      throw new IllegalArgumentException("expected HOST:PORT, not '" + text + "'");
    }
    return new Address(text.substring(0, colon), port);
  }

  /** The port in {@code digits}, or 0 when it is not one from 1 to 65535. */
  private static int portOf(String digits) {
    if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return 0;
    }
    int port = Integer.parseInt(digits);
    return port <= 65535 ? port : 0;
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
