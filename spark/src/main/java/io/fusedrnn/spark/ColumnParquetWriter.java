package io.fusedrnn.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.parquet.ParquetReadSupport;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Parquet file of a Spark write task, written column by column: each row's values go straight
 * to parquet-mr's column writers ({@link ColumnShredder}) instead of through a record consumer, and
 * the row groups, pages, encodings, codec and footer are parquet-mr's own, set from the task's
 * Hadoop configuration as Spark's Parquet writer sets them. Float columns that parquet-mr would
 * write as plain V1 pages (no dictionary, bloom filter or byte-stream split) are encoded in bulk by
 * {@link FloatPages} into parquet-mr's page writer instead ({@value #BULK} = false turns that off).
 * The file carries the same schema and Spark metadata as Spark's writer would, so Spark and any
 * Parquet reader read it back unchanged.
 */
final class ColumnParquetWriter extends OutputWriter {
    /** Rows between checks of the buffered size against the row-group size. */
    private static final int CHECK_EVERY = 64;
    /** The write option (Hadoop configuration key) or system property that, false, sends float columns through parquet-mr's per-value writer. */
    static final String BULK = "fusedrnn.parquet.bulkFloats";

    private final String path;
    private final MessageType schema;
    /** The schema of the columns parquet-mr's column writers write (all but the bulk ones), or null when there are none. */
    private final MessageType perValue;
    /** The bulk writer of each leaf, or null where parquet-mr's column writer writes it. */
    private final FloatPages[] bulk;
    private final ColumnShredder[] columns;
    private final ParquetProperties props;
    private final CodecFactory codecs;
    private final CodecFactory.BytesCompressor compressor;
    private final ParquetFileWriter file;
    private final long rowGroupBytes;
    private final Map<String, String> footer;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private long rows;
    private boolean closed;

    ColumnParquetWriter(String path, StructType dataSchema, Configuration conf, String sparkVersion) {
        this.path = path;
        this.schema = new SparkToParquetSchemaConverter(conf).convert(dataSchema);
        List<ColumnDescriptor> leaves = schema.getColumns();
        this.columns = ColumnShredder.of(dataSchema.fields(), leaves);
        ParquetProperties.Builder b = ParquetProperties.builder()
                .withPageSize(ParquetOutputFormat.getPageSize(conf))
                .withDictionaryPageSize(ParquetOutputFormat.getDictionaryPageSize(conf))
                .withDictionaryEncoding(ParquetOutputFormat.getEnableDictionary(conf))
                .withWriterVersion(ParquetOutputFormat.getWriterVersion(conf))
                .withMinRowCountForPageSizeCheck(ParquetOutputFormat.getMinRowCountForPageSizeCheck(conf))
                .withMaxRowCountForPageSizeCheck(ParquetOutputFormat.getMaxRowCountForPageSizeCheck(conf))
                .withPageWriteChecksumEnabled(ParquetOutputFormat.getPageWriteChecksumEnabled(conf));
        for (ColumnDescriptor c : leaves) { // the per-column switch spark-infer uses: parquet.enable.dictionary#<dotted path>
            String own = conf.get(ParquetOutputFormat.ENABLE_DICTIONARY + "#" + String.join(".", c.getPath()));
            if (own != null) b.withDictionaryEncoding(String.join(".", c.getPath()), Boolean.parseBoolean(own));
        }
        this.props = b.build();
        this.bulk = new FloatPages[leaves.size()];
        List<Type> rest = new ArrayList<>();
        for (int i = 0; i < bulk.length; i++) { // one leaf per top-level field (ColumnShredder checked it)
            if (bulk(conf) && FloatPages.handles(leaves.get(i), props)) bulk[i] = new FloatPages(leaves.get(i), props);
            else rest.add(schema.getType(i));
        }
        this.perValue = rest.isEmpty() ? null : new MessageType(schema.getName(), rest);
        this.rowGroupBytes = ParquetOutputFormat.getLongBlockSize(conf);
        this.codecs = new CodecFactory(conf, props.getPageSizeThreshold());
        this.compressor = codecs.getCompressor(ParquetOutputFormat.getCompression(conf));
        this.footer = Map.of(ParquetReadSupport.SPARK_METADATA_KEY(), dataSchema.json(), "org.apache.spark.version", sparkVersion);
        try {
            this.file = new ParquetFileWriter(HadoopOutputFile.fromPath(new Path(path), conf), schema, ParquetFileWriter.Mode.CREATE,
                    rowGroupBytes, conf.getInt(ParquetOutputFormat.MAX_PADDING_BYTES, ParquetWriter.MAX_PADDING_SIZE_DEFAULT), null, props);
            file.start();
        } catch (IOException e) {
            codecs.release();
            throw new UncheckedIOException(e);
        }
        startRowGroup();
    }

    /** Whether float columns go to {@link FloatPages}: the write option {@value #BULK}, else the system property of that name, else true. */
    private static boolean bulk(Configuration conf) {
        return conf.getBoolean(BULK, Boolean.parseBoolean(System.getProperty(BULK, "true")));
    }

    private void startRowGroup() {
        pages = new ColumnChunkPageWriteStore(compressor, schema, props.getAllocator(), props.getColumnIndexTruncateLength(),
                props.getPageWriteChecksumEnabled());
        store = perValue == null ? null : props.newColumnWriteStore(perValue, pages, pages); // its leaves find their page writers by path
        List<ColumnDescriptor> leaves = schema.getColumns();
        for (int i = 0; i < columns.length; i++) {
            if (bulk[i] != null) bulk[i].bind(pages.getPageWriter(leaves.get(i)));
            columns[i].bind(bulk[i] != null ? bulk[i] : store.getColumnWriter(leaves.get(i)));
        }
    }

    @Override
    public void write(InternalRow row) {
        for (ColumnShredder c : columns) c.write(row);
        if (store != null) store.endRecord();
        for (FloatPages f : bulk) {
            if (f != null) f.endRow();
        }
        if (++rows % CHECK_EVERY == 0) { // as parquet-mr does: close the row group within about two rows of its size
            long buffered = store == null ? 0 : store.getBufferedSize();
            for (FloatPages f : bulk) buffered += f == null ? 0 : f.getBufferedSizeInMemory();
            if (buffered > rowGroupBytes - 2 * buffered / rows) {
                endRowGroup();
                startRowGroup();
            }
        }
    }

    private void endRowGroup() {
        try {
            if (rows > 0) {
                file.startBlock(rows);
                if (store != null) store.flush();
                for (FloatPages f : bulk) {
                    if (f != null) f.flush();
                }
                pages.flushToFileWriter(file);
                file.endBlock();
            }
            rows = 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (store != null) store.close();
            pages.close();
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            endRowGroup();
            file.end(footer);
        } catch (IOException e) {
            file.abort();
            throw new UncheckedIOException(e);
        } finally {
            codecs.release();
        }
    }

    @Override
    public String path() {
        return path;
    }
}
