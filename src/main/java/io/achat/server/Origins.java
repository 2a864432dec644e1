package io.achat.server;

import java.util.List;
import java.util.Locale;

/**
 * Which web pages may open a chat: the {@code Origin} of a WebSocket upgrade against
 * {@code webOrigins}. Without a list, only the server's own pages may: the origin's host is one of
 * {@link WebHosts} (never taken from the request), and its port is the web port or the one the
 * browser connected to (the request's {@code Host}, whose name {@link WebHosts} checked too:
 * behind a port mapping or a proxy the two differ). Pure logic, no I/O.
 */
final class Origins {

  private final boolean any;
  private final List<String> listed;
  private final WebHosts hosts;
  private final String scheme;
  private final int port;

  /**
   * @param scheme {@code http} or {@code https}, as the web port speaks
   * @param port the web port listened on
   */
  Origins(List<String> webOrigins, WebHosts hosts, String scheme, int port) {
    this.any = webOrigins.contains("*");
    this.listed = webOrigins.stream().map(origin -> origin.toLowerCase(Locale.ROOT)).toList();
    this.hosts = hosts;
    this.scheme = scheme;
    this.port = port;
  }

  /**
   * @param origin the upgrade's {@code Origin} header, {@code null} when it has none: browsers
   *     always send one, so a client without it is not a page (nc's peers: scripts, the bench)
   * @param host the upgrade's {@code Host} header, already found to name one of {@link WebHosts}
   */
  boolean allows(String origin, String host) {
    if (origin == null || any) {
      return true;
    }
    String lower = origin.toLowerCase(Locale.ROOT);
    if (!listed.isEmpty()) {
      return listed.contains(lower);
    }
    String originScheme = lower.startsWith("https://") ? "https" : lower.startsWith("http://") ? "http" : null;
    if (originScheme == null) {
      return false;
    }
    String authority = lower.substring(originScheme.length() + 3);
    String name = WebHosts.hostOf(authority);
    if (name == null || !hosts.allows(name)) {
      return false;
    }
    if (host != null && authority.equals(host.toLowerCase(Locale.ROOT))) {
      return true; // the page's own address, as the browser reached it
    }
    String rest = authority.substring(name.length());
    int defaultPort = scheme.equals("https") ? 443 : 80;
    return originScheme.equals(scheme) && (rest.equals(":" + port) || rest.isEmpty() && port == defaultPort);
  }
}
