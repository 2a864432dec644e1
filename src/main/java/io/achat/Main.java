package io.achat;

import io.achat.accounts.AccountCommand;
import io.achat.bench.BenchCommand;
import io.achat.client.ChatClient;
import io.achat.client.HealthCheck;
import io.achat.ops.Fatal;

import java.util.Arrays;

/**
 * {@code java -jar a-chat.jar [launcher options]} runs the server;
 * {@code java -jar a-chat.jar client [HOST:PORT]} runs the client;
 * {@code java -jar a-chat.jar bench MODE ...} runs the load generator;
 * {@code java -jar a-chat.jar health [HOST:PORT]} checks that a server answers;
 * {@code java -jar a-chat.jar account add|remove|list ...} manages registered names.
 */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    String command = args.length > 0 ? args[0] : "";
    String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
    switch (command) {
      case "client" -> System.exit(ChatClient.main(rest));
      case "health" -> System.exit(HealthCheck.main(rest));
      case "bench" -> System.exit(BenchCommand.main(rest));
      case "account" -> System.exit(AccountCommand.main(rest));
      default -> {
        Fatal.onUncaughtErrors();
        new ChatApplication(args).launch();
      }
    }
  }
}
