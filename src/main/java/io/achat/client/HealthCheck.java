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
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * {@code a-chat health [-conf FILE|JSON] [HOST:PORT]}: exits 0 when the server's management
 * endpoint {@code /ready} answers 200 within five seconds (the broker routes), 1 otherwise. For
 * container health checks: it logs nobody in, and needs no Vert.x of its own when the server
 * told it where to ask.
 *
 * <p>Where to ask: {@code HOST:PORT} if given; else the URL a server started by {@code java -jar}
 * wrote to {@code $TMPDIR/a-chat.management} (so whatever {@code -conf}, variables or properties
 * the server was given); else {@code managementPort} and {@code managementHost} from the
 * configuration layers, with {@code -conf} as the server takes it (HTTPS when TLS is configured).
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
      if (http instanceof HttpsURLConnection https) {
        // The server's own certificate names its public host, not the address asked here; the
        // check sends nothing secret and reads only the status, so it takes any certificate.
        https.setSSLSocketFactory(anyCertificate().getSocketFactory());
        https.setHostnameVerifier((host, session) -> true);
      }
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
    } catch (IOException | GeneralSecurityException e) {
      System.err.println("a-chat health: " + url + "/ready: " + e);
      return 1;
    }
  }

  private static SSLContext anyCertificate() throws GeneralSecurityException {
    TrustManager any = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {any}, null);
    return tls;
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
      return target.startsWith("http://") || target.startsWith("https://") ? target : "http://" + target;
    }
    if (conf == null && Files.isReadable(MANAGEMENT_FILE)) {
      return Files.readString(MANAGEMENT_FILE).trim();
    }
    ChatConfig config = ChatConfig.read(ChatConfig.underLauncher(conf == null ? new JsonObject() : json(conf)));
    if (!config.management()) {
      throw new IllegalArgumentException("the management server is off ('managementPort' is 0)");
    }
    return config.managementUrl(config.managementPort());
  }

  private static JsonObject json(String conf) throws IOException {
    String text = conf.trim().startsWith("{") ? conf : Files.readString(Path.of(conf));
    return new JsonObject(text);
  }
}
