package io.fusedrnn.formats;

import io.fusedrnn.FusedRnnException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A zip archive read with bounds: at most {@link #MAX_ENTRIES} entries, each entry read whole up to
 * a size limit that is checked while inflating (the sizes the archive declares are not trusted), and
 * a deflated entry that expands more than {@link #MAX_RATIO} times is refused as a zip bomb.
 */
public final class BoundedZip implements AutoCloseable {
    /** The most entries an archive may list. */
    public static final int MAX_ENTRIES = 100_000;
    /** The largest expansion ratio accepted for a compressed entry over 1 MiB. */
    public static final long MAX_RATIO = 200;
    /** The largest entry read into memory (a Java array's limit). */
    public static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 16;

    private final String file;
    private final long fileSize;
    private final ZipFile zip;
    private final Map<String, ZipEntry> entries = new LinkedHashMap<>();

    private BoundedZip(String file, long fileSize, ZipFile zip) {
        this.file = file;
        this.fileSize = fileSize;
        this.zip = zip;
    }

    /**
     * Opens {@code path}; a damaged archive is a one-line {@link FusedRnnException} naming the file.
     *
     * @param path the zip file
     * @return the open archive; close it when done
     */
    public static BoundedZip open(Path path) {
        String file = path.toString();
        ZipFile z;
        long size;
        try {
            size = Files.size(path);
            z = new ZipFile(path.toFile());
        } catch (NoSuchFileException e) {
            throw new FusedRnnException(file + ": no such file", e);
        } catch (IOException | RuntimeException e) {
            throw new FusedRnnException(file + ": not a readable zip archive (" + oneLine(e) + ")", e);
        }
        BoundedZip b = new BoundedZip(file, size, z);
        try {
            if (z.size() > MAX_ENTRIES) {
                throw new FusedRnnException(file + ": zip lists " + z.size() + " entries, more than the limit " + MAX_ENTRIES);
            }
            Enumeration<? extends ZipEntry> en = z.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                if (!e.isDirectory()) b.entries.put(e.getName(), e);
            }
            return b;
        } catch (FusedRnnException e) {
            b.close();
            throw e;
        } catch (RuntimeException e) {
            b.close();
            throw new FusedRnnException(file + ": damaged zip directory (" + oneLine(e) + ")", e);
        }
    }

    /** Which model format a zip archive holds: a torch.save archive or a Keras .keras file. */
    static ModelFormat classify(Path path) {
        try (BoundedZip z = open(path)) {
            if (z.torchRoot() != null) return ModelFormat.TORCH_ZIP;
            if (z.has("config.json") && z.has("model.weights.h5")) return ModelFormat.KERAS_ZIP;
            List<String> names = new ArrayList<>(z.names());
            throw new FusedRnnException(path + ": a zip archive with entries " + (names.size() > 6 ? names.subList(0, 6) + "…" : names)
                    + " but neither */data.pkl (torch.save) nor config.json + model.weights.h5 (Keras .keras); expected " + ModelFormat.ACCEPTED);
        }
    }

    /** {@return the folder holding {@code data.pkl} in a torch.save archive (e.g. {@code archive/}), or null} */
    public String torchRoot() {
        String found = null;
        for (String n : entries.keySet()) {
            if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                if (found != null) throw new FusedRnnException(file + ": two data.pkl entries ('" + found + "data.pkl', '" + n + "'): expected one");
                found = n.substring(0, n.length() - "data.pkl".length());
            }
        }
        return found;
    }

    /** {@return the file's name as given} */
    public String file() {
        return file;
    }

    /** {@return names of the file entries} */
    public java.util.Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /**
     * {@return whether an entry exists}
     *
     * @param name the entry's full name
     */
    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /**
     * {@return the size the archive declares for an entry (−1 unknown)}
     *
     * @param name the entry's full name
     */
    public long declaredSize(String name) {
        ZipEntry e = entries.get(name);
        return e == null ? -1 : e.getSize();
    }

    /**
     * Reads an entry whole, refusing more than {@code limit} bytes and zip bombs.
     *
     * @param limit the most bytes the caller accepts for this entry
     * @param name the entry's full name
     * @return the entry's bytes
     */
    public byte[] read(String name, long limit) {
        ZipEntry e = entries.get(name);
        if (e == null) throw new FusedRnnException(file + ": missing zip entry '" + name + "'");
        long cap = Math.min(limit, MAX_ENTRY_BYTES);
        if (e.getSize() > cap) {
            throw new FusedRnnException(file + ": zip entry '" + name + "' declares " + e.getSize() + " bytes, more than the limit " + cap);
        }
        long compressed = Math.max(e.getCompressedSize(), 1);
        if (e.getMethod() == ZipEntry.STORED && compressed > fileSize) {
            throw new FusedRnnException(file + ": zip entry '" + name + "' declares " + compressed + " stored bytes in a " + fileSize + "-byte file");
        }
        try (InputStream in = zip.getInputStream(e)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(e.getSize(), 0), 1 << 20));
            byte[] buf = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > cap) throw new FusedRnnException(file + ": zip entry '" + name + "' holds more than the limit " + cap + " bytes");
                if (e.getMethod() != ZipEntry.STORED && total > (1 << 20) && total > MAX_RATIO * compressed) {
                    throw new FusedRnnException(file + ": zip entry '" + name + "' expands more than " + MAX_RATIO + "× (" + compressed
                            + " compressed bytes): refused as a zip bomb");
                }
                out.write(buf, 0, n);
            }
            if (e.getSize() >= 0 && total != e.getSize()) {
                throw new FusedRnnException(file + ": zip entry '" + name + "': expected " + e.getSize() + " bytes, found " + total);
            }
            return out.toByteArray();
        } catch (IOException | RuntimeException ex) {
            if (ex instanceof FusedRnnException f) throw f;
            throw new FusedRnnException(file + ": zip entry '" + name + "' cannot be read (" + oneLine(ex) + ")", ex);
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
