package io.achat.server;

import java.util.List;
import java.util.Locale;

/**
 * Which web pages may open a chat: the {@code Origin} of a WebSocket upgrade against
 * {@code webOrigins}. Without a list, only the server's own page may (the origin whose host and
 * port are those the browser asked for), so that another site cannot open a chat in its
 * visitors' names. Pure logic, no I/O.
 */
final class Origins {

  private final boolean any;
  private final List<String> listed;

  Origins(List<String> webOrigins) {
    this.any = webOrigins.contains("*");
    this.listed = webOrigins.stream().map(origin -> origin.toLowerCase(Locale.ROOT)).toList();
  }

  /**
   * @param origin the upgrade's {@code Origin} header, {@code null} when it has none: browsers
   *     always send one, so a client without it is not a page (nc's peers: scripts, the bench)
   * @param host the upgrade's {@code Host} header
   */
  boolean allows(String origin, String host) {
    if (origin == null || any) {
      return true;
    }
    String lower = origin.toLowerCase(Locale.ROOT);
    if (!listed.isEmpty()) {
      return listed.contains(lower);
    }
    String authority = lower.startsWith("https://") ? lower.substring(8)
      : lower.startsWith("http://") ? lower.substring(7) : null;
    return authority != null && host != null && authority.equals(host.toLowerCase(Locale.ROOT));
  }
}
