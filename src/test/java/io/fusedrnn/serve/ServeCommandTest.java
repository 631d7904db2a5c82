package io.fusedrnn.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusedrnn.LayerWeights;
import io.fusedrnn.cli.Main;
import io.fusedrnn.io.NdArray;
import io.fusedrnn.io.SafetensorsDType;
import io.fusedrnn.io.SafetensorsWriter;
import io.fusedrnn.model.RnnConfig;
import io.fusedrnn.model.RnnModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code fusedrnn serve} as a user runs it: bad options exit 2, and a real process answers, then exits 0 on SIGTERM. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServeCommandTest {
    @TempDir
    Path dir;

    /** A PyTorch-style state_dict of a random 1-layer LSTM I=3, H=4. */
    private Path weights() {
        RnnModel m = RnnModel.random(RnnConfig.lstm(3, 4, 0, 1, false), 1);
        LayerWeights w = m.weights().get(0);
        Map<String, NdArray> t = new LinkedHashMap<>();
        t.put("weight_ih_l0", new NdArray(new int[] {16, 3}, w.wIh()));
        t.put("weight_hh_l0", new NdArray(new int[] {16, 4}, w.wHh()));
        t.put("bias_ih_l0", new NdArray(new int[] {16}, w.bIh()));
        t.put("bias_hh_l0", new NdArray(new int[] {16}, w.bHh()));
        Path p = dir.resolve("lstm.safetensors");
        SafetensorsWriter.write(p, t, SafetensorsDType.F32);
        return p;
    }

    @Test
    void badOptionsExitTwo() {
        String w = weights().toString();
        assertEquals(2, Main.run(new String[] {"serve"}), "no --weights");
        assertEquals(2, Main.run(new String[] {"serve", "--weights", w, "--port", "eighty"}));
        assertEquals(2, Main.run(new String[] {"serve", "--weights", w, "--max-batch", "0"}));
        assertEquals(2, Main.run(new String[] {"serve", "--weights", w, "--queue", "-1"}));
        assertEquals(2, Main.run(new String[] {"serve", "--weights", w, "--precision", "fp16"}));
        assertEquals(2, Main.run(new String[] {"serve", "--weights", w, "--backend", "gpu"}));
        assertEquals(2, Main.run(new String[] {"serve", "--weights", dir.resolve("missing.safetensors").toString()}));
        assertEquals(2, Main.run(new String[] {"serve", "--weights", w, "--frobnicate"}));
        assertEquals(2, Main.run(new String[] {"serve", "--weights", w, "--warmup-ms", "-1"}));
        assertEquals(2, Main.run(new String[] {"serve", "--weights", w, "--threads", "-1"}));
        assertEquals(0, Main.run(new String[] {"serve", "--help"}));
    }

    @Test
    void serveLeavesHalfTheCoresToItsFrontEnd() {
        assertEquals(1, HttpOptions.backendThreads(1));
        assertEquals(1, HttpOptions.backendThreads(2));
        assertEquals(1, HttpOptions.backendThreads(3));
        assertEquals(8, HttpOptions.backendThreads(16));
    }

    @Test
    void aServeProcessAnswersThenExitsZeroOnSigterm() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--weights", weights().toString(), "--port", "0", "--backend", "reference"));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr.txt").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.matches("listening on http://127\\.0\\.0\\.1:\\d+"), "first stdout line: " + line
                    + "; stderr: " + Files.readString(dir.resolve("stderr.txt")));
            String url = line.substring("listening on ".length());
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url + "/v1/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"x\": [[1,2,3],[4,5,6]], \"outputs\": [\"h_n\", \"c_n\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(List.of("h_n", "c_n"), List.copyOf(iterable(new ObjectMapper().readTree(r.body()).fieldNames())));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits after SIGTERM");
            assertEquals(0, p.exitValue(), "exit status after SIGTERM; stderr: " + Files.readString(dir.resolve("stderr.txt")));
            String stderr = Files.readString(dir.resolve("stderr.txt"));
            assertTrue(stderr.contains("fusedrnn serve: stopped after answering 1 requests"), stderr); // the warm-up's requests are not counted
            assertTrue(stderr.matches("(?s).*fusedrnn serve: warmed up in \\d+ rounds, \\d+ ms\n.*"), stderr);
        } finally {
            p.destroyForcibly();
        }
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
