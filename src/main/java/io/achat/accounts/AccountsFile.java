package io.achat.accounts;

import io.achat.protocol.Logins;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The accounts file: one registered name a line, {@code name:pbkdf2-sha256$...} (the name, then
 * its {@link PasswordHash}); blank lines and lines starting with {@code #} are skipped. Written
 * whole to a temporary file and moved over the old one, so that a server reading it never sees
 * half of it.
 */
public final class AccountsFile {

  private AccountsFile() {
  }

  /**
   * The accounts of {@code text}, by name.
   *
   * @throws IllegalArgumentException naming the line that is wrong (never showing its hash)
   */
  public static Map<String, PasswordHash> parse(String text, int maxLoginLength) {
    Map<String, PasswordHash> accounts = new LinkedHashMap<>();
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? line : line.substring(0, colon);
      Optional<String> bad = Logins.check(name, maxLoginLength);
      if (colon < 0 || bad.isPresent()) {
        throw new IllegalArgumentException("line " + (i + 1) + ": expected 'name:hash'" + bad.map(b -> " (" + b + ")").orElse(""));
      }
      try {
        if (accounts.put(name, PasswordHash.parse(line.substring(colon + 1))) != null) {
          throw new IllegalArgumentException("line " + (i + 1) + ": '" + name + "' is listed twice");
        }
      } catch (IllegalArgumentException e) {
        throw e.getMessage().startsWith("line ") ? e
          : new IllegalArgumentException("line " + (i + 1) + " ('" + name + "'): " + e.getMessage());
      }
    }
    return accounts;
  }

  /** Reads {@code file}; an absent file holds no account. */
  public static Map<String, PasswordHash> read(Path file, int maxLoginLength) throws IOException {
    if (!Files.exists(file)) {
      return new LinkedHashMap<>();
    }
    return parse(Files.readString(file, StandardCharsets.UTF_8), maxLoginLength);
  }

  /** Replaces {@code file} with {@code accounts}, readable by its owner only when it is new. */
  public static void write(Path file, Map<String, PasswordHash> accounts) throws IOException {
    StringBuilder text = new StringBuilder("# a-chat accounts: name:hash (see 'a-chat account')\n");
    accounts.forEach((name, hash) -> text.append(name).append(':').append(hash.encoded()).append('\n'));
    Path dir = file.toAbsolutePath().getParent();
    Path temporary = Files.createTempFile(dir, ".a-chat-accounts", ".tmp");
    try {
      if (Files.exists(file)) {
        Files.setPosixFilePermissions(temporary, Files.getPosixFilePermissions(file));
      } else {
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its defaults
    }
    Files.writeString(temporary, text, StandardCharsets.UTF_8);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
