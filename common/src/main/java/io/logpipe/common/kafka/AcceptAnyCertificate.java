package io.logpipe.common.kafka;

import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/** Trusts every certificate: only for explaining failures ({@link TlsPeer}) and for a user's explicit "verify nothing". */
public final class AcceptAnyCertificate implements X509TrustManager {
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
}
