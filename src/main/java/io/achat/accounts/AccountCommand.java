package io.achat.accounts;

import io.achat.config.ChatConfig;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code a-chat account add NAME --file FILE} (the password from standard input: one line, not
 * echoed on a terminal), {@code account remove NAME --file FILE}, {@code account list --file FILE}.
 * A running server picks the change up within seconds.
 */
public final class AccountCommand {

  /** The shortest password {@code add} takes. */
  static final int MIN_PASSWORD_LENGTH = 8;

  private static final String USAGE = """
    usage: a-chat account add NAME --file FILE      (the password from standard input)
           a-chat account remove NAME --file FILE
           a-chat account list --file FILE""";

  private AccountCommand() {
  }

  public static int main(String[] args) {
    return run(args, System.out, System.err, PasswordHash.DEFAULT_ITERATIONS);
  }

  static int run(String[] args, PrintStream out, PrintStream err, int iterations) {
    List<String> words = new ArrayList<>();
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      if ((args[i].equals("--file") || args[i].equals("-f")) && i + 1 < args.length) {
        file = Path.of(args[++i]);
      } else {
        words.add(args[i]);
      }
    }
    String action = words.isEmpty() ? "" : words.get(0);
    boolean named = action.equals("add") || action.equals("remove");
    if (file == null || words.size() != (named ? 2 : 1) || !(named || action.equals("list"))) {
      err.println(USAGE);
      return 2;
    }
    int maxLoginLength = ChatConfig.defaults().getInteger("maxLoginLength");
    try {
      Map<String, PasswordHash> accounts = AccountsFile.read(file, maxLoginLength);
      switch (action) {
        case "list" -> accounts.keySet().forEach(out::println);
        case "remove" -> {
          if (accounts.remove(words.get(1)) == null) {
            err.println("a-chat account: no account '" + words.get(1) + "' in " + file);
            return 1;
          }
          AccountsFile.write(file, accounts);
          out.println("removed '" + words.get(1) + "' from " + file);
        }
        default -> {
          String name = words.get(1);
          Optional<String> bad = io.achat.protocol.Logins.check(name, maxLoginLength);
          if (bad.isPresent()) {
            err.println("a-chat account: " + bad.get());
            return 1;
          }
          String password = password(name);
          if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
            err.println("a-chat account: the password must have at least " + MIN_PASSWORD_LENGTH + " characters");
            return 1;
          }
          boolean existed = accounts.put(name, PasswordHash.of(password, iterations)) != null;
          AccountsFile.write(file, accounts);
          out.println((existed ? "changed the password of '" : "added '") + name + "' to " + file);
        }
      }
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      err.println("a-chat account: " + file + ": " + e.getMessage());
      return 1;
    }
  }

  /** One line: from the terminal without echo, else from standard input. */
  private static String password(String name) throws IOException {
    Console console = System.console();
    if (console != null) {
      char[] typed = console.readPassword("password for %s: ", name);
      return typed == null ? null : new String(typed);
    }
    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
  }
}
