package io.achat.config;

import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;

import javax.net.ssl.X509TrustManager;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

/** Where this node's servers are reached, and how they serve TLS. */
final class Serving {

  private Serving() {
  }

  /**
   * {@code scheme://host:port}: on this machine's loopback address when {@code host} is every
   * address, so that it can be connected to.
   */
  static String url(String scheme, String host, int port) {
    String address = switch (host) {
      case "0.0.0.0" -> "127.0.0.1";
      case "::", "[::]" -> "::1";
      default -> host;
    };
    return scheme + "://" + (address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address)
      + ":" + port;
  }

  /** The certificate and key every port of this server serves with TLS. */
  static PemKeyCertOptions keyCert(ChatConfig config) {
    return new PemKeyCertOptions().setCertPath(config.tlsCertPath()).setKeyPath(config.tlsKeyPath());
  }

  /**
   * {@code options} serving TLS when it is configured: this server's certificate, a handshake
   * bounded by {@code requestTimeoutMillis}, and no client certificates asked for, so no trusted
   * authorities either (without them the TLS context is made without reading the JVM's
   * {@code cacerts}, which could fail for want of a file descriptor while a flood holds them all).
   */
  static <T extends NetServerOptions> T tls(ChatConfig config, T options) {
    if (config.tls()) {
      options.setSsl(true).setKeyCertOptions(keyCert(config)).setTrustOptions(TrustOptions.wrap(NO_CLIENT_CERTIFICATES))
        .setSslHandshakeTimeout(config.requestTimeoutMillis()).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return options;
  }

  /** Trusts no client certificate: the servers ask for none. */
  private static final X509TrustManager NO_CLIENT_CERTIFICATES = new X509TrustManager() {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a-chat asks for no client certificate");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a-chat's servers trust no server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  };
}
