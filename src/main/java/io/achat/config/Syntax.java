package io.achat.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/** The forms a key's value may take, for the rules of {@link Key}'s declarations. */
final class Syntax {

  private Syntax() {
  }

  /** Each item of a list passes {@code each}. */
  static <T> Predicate<List<T>> all(Predicate<T> each) {
    return items -> items.stream().allMatch(each);
  }

  static boolean readableOrEmpty(String path) {
    return path.isEmpty() || Files.isReadable(Path.of(path));
  }

  /** {@code *}, or {@code http(s)://host[:port]} with nothing after it. */
  static boolean isOrigin(String origin) {
    return origin.equals("*") || origin.matches("https?://[^/?#@\\s]+");
  }

  /** A host name, an IPv4 address, or an IPv6 address in brackets, as in a URL. */
  static boolean isWebHost(String host) {
    return host.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9.])?|\\[[0-9a-fA-F:.]+\\]");
  }

  /** An IP address literal (never a name to look up), or {@link AddressPolicy#LOOPBACK}. */
  static boolean isAddress(String address) {
    return address.equals(AddressPolicy.LOOPBACK) || address.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
  }

  /** {@code host:port}, one port. */
  static boolean isHostPort(String member) {
    int colon = member.lastIndexOf(':');
    if (colon <= 0) {
      return false;
    }
    try {
      int port = Integer.parseInt(member.substring(colon + 1));
      return port >= 1 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
