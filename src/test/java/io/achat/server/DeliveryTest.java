package io.achat.server;

import io.achat.support.Background;
import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Delivery guarantees under load: exact counts, per-sender order, whole lines. */
@ExtendWith(VertxExtension.class)
class DeliveryTest {

  private ChatServerFixture server;

  @BeforeEach
  void deploy(Vertx vertx) {
    // These tests flood on purpose; readers that lag behind must not count as slow consumers.
    server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxQueuedBytes", 64 << 20));
  }

  @Test
  void tenThousandMessagesFromOneSenderArriveInOrder() throws Exception {
    int count = 10_000;
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      CompletableFuture<List<String>> received = Background.supply(() -> {
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          lines.add(bob.readLine());
        }
        return lines;
      });
      StringBuilder batch = new StringBuilder();
      for (int i = 0; i < count; i++) {
        batch.append("bob: message ").append(i).append('\n');
        if (batch.length() > 16_000) {
          alice.sendRaw(batch.toString().getBytes());
          batch.setLength(0);
        }
      }
      alice.sendRaw(batch.toString().getBytes());
      List<String> lines = received.get();
      assertThat(lines).containsExactlyElementsOf(
        IntStream.range(0, count).mapToObj(i -> "from alice: message " + i).toList());
      assertThat(bob.sync()).as("nothing more").isEmpty();
    }
  }

  @Test
  void manyClientsAllToAllGetExactlyWhatWasSentInOrderPerSender() throws Exception {
    int clients = 24;
    int messagesEach = 40;
    List<LineClient> all = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        all.add(server.login("user" + i));
      }
      String everyone = all.stream().map(LineClient::login).collect(Collectors.joining(", "));
      List<CompletableFuture<Map<String, List<Integer>>>> receipts = new ArrayList<>();
      for (LineClient client : all) {
        receipts.add(Background.supply(() -> receive(client, clients * messagesEach)));
      }
      for (int m = 0; m < messagesEach; m++) {
        for (LineClient client : all) {
          client.send(everyone + ": " + client.login() + " says " + m);
        }
      }
      List<Integer> inOrder = IntStream.range(0, messagesEach).boxed().toList();
      for (int i = 0; i < clients; i++) {
        Map<String, List<Integer>> bySender = receipts.get(i).get();
        assertThat(bySender).as("senders seen by user%d", i).hasSize(clients);
        bySender.forEach((sender, seqs) ->
          assertThat(seqs).as("user%d from %s", clients, sender).isEqualTo(inOrder));
        assertThat(all.get(i).sync()).as("no extra lines for user%d", i).isEmpty();
      }
    } finally {
      all.forEach(LineClient::close);
    }
  }

  private static final Pattern LINE = Pattern.compile("from (user\\d+): (user\\d+) says (\\d+)");

  private static Map<String, List<Integer>> receive(LineClient client, int expected) {
    Map<String, List<Integer>> bySender = new HashMap<>();
    for (int i = 0; i < expected; i++) {
      String line = client.readLine();
      Matcher m = LINE.matcher(line == null ? "<closed>" : line);
      assertThat(m.matches()).as("well-formed line: %s", line).isTrue();
      assertThat(m.group(1)).isEqualTo(m.group(2));
      bySender.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Integer.parseInt(m.group(3)));
    }
    return bySender;
  }

  @Test
  void longLinesFromManySendersToOneRecipientAreNeverInterleaved() throws Exception {
    int senders = 6;
    int messagesEach = 150;
    try (LineClient sink = server.login("sink")) {
      List<LineClient> all = new ArrayList<>();
      try {
        for (int i = 0; i < senders; i++) {
          all.add(server.login("s" + i));
        }
        CompletableFuture<List<String>> received = Background.supply(() -> {
          List<String> lines = new ArrayList<>();
          for (int i = 0; i < senders * messagesEach; i++) {
            lines.add(sink.readLine());
          }
          return lines;
        });
        List<CompletableFuture<Void>> sending = new ArrayList<>();
        for (LineClient sender : all) {
          sending.add(Background.run(() -> {
            for (int m = 0; m < messagesEach; m++) {
              sender.send("sink: " + payload(sender.login(), m));
            }
          }));
        }
        CompletableFuture.allOf(sending.toArray(CompletableFuture[]::new)).get();
        Map<String, Integer> next = new HashMap<>();
        for (String line : received.get()) {
          assertThat(line).startsWith("from s");
          String sender = line.substring(5, line.indexOf(':'));
          int m = next.merge(sender, 1, Integer::sum) - 1;
          assertThat(line).isEqualTo("from " + sender + ": " + payload(sender, m));
        }
        assertThat(next).hasSize(senders).allSatisfy((s, n) -> assertThat(n).isEqualTo(messagesEach));
      } finally {
        all.forEach(LineClient::close);
      }
    }
  }

  /** About 7 KiB, so each line spans several TCP segments and writes. */
  private static String payload(String sender, int m) {
    String unit = "<" + sender + "#" + m + ">";
    return unit.repeat(7000 / unit.length());
  }
}
