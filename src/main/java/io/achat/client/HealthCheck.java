package io.achat.client;

import io.achat.config.ChatConfig;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code a-chat health [-conf FILE|JSON] [HOST:PORT]}: exits 0 when the server's management
 * endpoint {@code /ready} answers 200 within five seconds (the broker routes), 1 otherwise. For
 * container health checks: it logs nobody in, and needs no Vert.x of its own when the server
 * told it where to ask.
 *
 * <p>Where to ask: {@code HOST:PORT} if given; else the URL a server started by {@code java -jar}
 * wrote to {@code $TMPDIR/a-chat.management} (so whatever {@code -conf}, variables or properties
 * the server was given); else {@code managementPort} from the configuration layers, with
 * {@code -conf} as the server takes it, on 127.0.0.1 unless {@code host} names one address.
 */
public final class HealthCheck {

  /** Where a server started from the command line writes its management URL. */
  public static final Path MANAGEMENT_FILE = Path.of(System.getProperty("java.io.tmpdir"), "a-chat.management");

  private static final int TIMEOUT_MILLIS = 5000;

  private HealthCheck() {
  }

  public static int main(String[] args) {
    String url;
    try {
      url = where(args);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("a-chat health: " + e.getMessage());
      return 1;
    }
    try {
      HttpURLConnection http = (HttpURLConnection) URI.create(url + "/ready").toURL().openConnection();
      http.setConnectTimeout(TIMEOUT_MILLIS);
      http.setReadTimeout(TIMEOUT_MILLIS);
      int status = http.getResponseCode();
      try (InputStream body = status < 400 ? http.getInputStream() : http.getErrorStream()) {
        String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
        if (status == 200) {
          return 0;
        }
        System.err.println("a-chat health: " + url + "/ready answered " + status + " " + text);
        return 1;
      }
    } catch (IOException e) {
      System.err.println("a-chat health: " + url + "/ready: " + e);
      return 1;
    }
  }

  static String where(String[] args) throws IOException {
    String conf = null;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if ((args[i].equals("-conf") || args[i].equals("--conf")) && i + 1 < args.length) {
        conf = args[++i];
      } else {
        rest.add(args[i]);
      }
    }
    if (!rest.isEmpty()) {
      String target = rest.get(0);
      return target.startsWith("http://") ? target : "http://" + target;
    }
    if (conf == null && Files.isReadable(MANAGEMENT_FILE)) {
      return Files.readString(MANAGEMENT_FILE).trim();
    }
    ChatConfig config = ChatConfig.read(ChatConfig.underLauncher(conf == null ? new JsonObject() : json(conf)));
    if (!config.management()) {
      throw new IllegalArgumentException("the management server is off ('managementPort' is 0)");
    }
    String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
    return "http://" + host + ":" + config.managementPort();
  }

  private static JsonObject json(String conf) throws IOException {
    String text = conf.trim().startsWith("{") ? conf : Files.readString(Path.of(conf));
    return new JsonObject(text);
  }
}
