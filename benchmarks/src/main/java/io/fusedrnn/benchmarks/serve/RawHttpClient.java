package io.fusedrnn.benchmarks.serve;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A wrk-like HTTP/1.1 load-generator connection: one blocking keep-alive socket that writes
 * pre-built request bytes and reads each answer by its Content-Length. It costs a fraction of
 * {@code java.net.http.HttpClient}'s CPU, like the separate machines real clients run on.
 */
final class RawHttpClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private byte[] body = new byte[4096];

    RawHttpClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 16384);
    }

    /** The bytes of {@code POST path} with a JSON body, as a client sends them. */
    static byte[] request(String host, String path, String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return all;
    }

    /** Sends one request and reads the answer; returns the status code (the body is read and dropped). */
    int send(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String status = line();
        if (!status.startsWith("HTTP/1.")) throw new IOException("expected a status line, found " + status);
        int code = Integer.parseInt(status.substring(9, 12));
        int length = -1;
        for (String h = line(); !h.isEmpty(); h = line()) {
            if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) length = Integer.parseInt(h.substring(15).trim());
        }
        if (length < 0) throw new IOException("expected a Content-Length, found none");
        if (body.length < length) body = new byte[length];
        if (in.readNBytes(body, 0, length) != length) throw new EOFException("answer cut short");
        return code;
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) throw new EOFException("connection closed");
            if (c != '\r') b.append((char) c);
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
