"""Splits a JFR recording's execution samples in Spark task threads by part (sweep, Parquet write,
row conversion, ...): each sample goes to the first frame from the leaf that names a known part.
Usage: /usr/bin/python3 spark/jfr-parts.py RECORDING.jfr ... (benchmarks/RESULTS.md, "Spark, round 3" and "Spark, round 4")."""
import json, os, subprocess, sys, collections
J=os.path.join(os.environ.get('JAVA_HOME', '/usr/lib/jvm/temurin-25-jdk-amd64'), 'bin', 'jfr')
cats=[('sweep (fusedrnn kernels)', ['io.fusedrnn.vector','io.fusedrnn.model','jdk.internal.vm.vector','jdk.incubator.vector']),
      ('input: Row/InternalRow -> batch buffer', ['SequenceColumn','DeserializeToObject','deserializ','Deserializ','RowEncoder','ExpressionEncoder$Deserializer','GenericRowWithSchema','CatalystTypeConverters']),
      ('output: build rows (+ encode to UnsafeRow)', ['SequenceBatcher.matrix','SequenceBatcher.rows','SequenceBatcher.run','UnsafeProjection','SpecificUnsafeProjection','ExpressionEncoder$Serializer','Serializer','RowFactory','UnsafeArrayData.fromPrimitiveArray','GenericArrayData','InterpretedUnsafeProjection']),
      ('Parquet write (encode + compress + file)', ['ParquetWriteSupport','FloatPages','LevelRuns','org.apache.parquet.hadoop.InternalParquetRecordWriter','ColumnShredder','ColumnParquetWriter','ParquetOutputWriter','org.apache.parquet.column','org.apache.parquet.io','FileFormatDataWriter','xerial.snappy','org.apache.parquet.bytes']),
      ('Parquet read + decode', ['VectorizedParquetRecordReader','ParquetFileFormat','ColumnarToRow','VectorizedColumnReader','ParquetColumnVector','OnHeapColumnVector','ColumnarBatchRow','org.apache.parquet.hadoop.ParquetFileReader','FileScanRDD']),
      ('batcher (sort, copy rows)', ['SequenceBatcher']),
      ('generated code (Row<->InternalRow conversion)', ['GeneratedClass','MapPartitionsExec','ScalaRunTime','scala.collection','java.lang.Float.valueOf']),
     ]
def classify(frames):
    names=[f['method']['type']['name']+'.'+f['method']['name'] for f in frames]
    for n in names:
        for cat,keys in cats:
            if any(k in n for k in keys): return cat, names
    return 'other', names
for fn in sys.argv[1:]:
    out=subprocess.run([J,'print','--json','--stack-depth','200','--events','jdk.ExecutionSample',fn],capture_output=True,text=True).stdout
    ev=json.loads(out)['recording']['events']
    c=collections.Counter(); thr=collections.Counter(); other=collections.Counter(); write=collections.Counter()
    for e in ev:
        fr=e['values']['stackTrace']['frames'] if e['values'].get('stackTrace') else []
        t=e['values']['sampledThread']['javaName'] or '?'
        tk='task' if 'task launch' in t else ('driver/main' if t=='main' else t.split(' ')[0][:30])
        thr[tk]+=1
        cat,names=classify(fr)
        if 'task' in tk:
            c[cat]+=1
            if cat=='other' and names: other[names[0]]+=1
            if cat.startswith('Parquet write') and names: write[names[0]]+=1
    tot=sum(c.values())
    print(fn, 'samples', len(ev), 'in task threads', tot)
    for k,v in c.most_common(): print(f'  {k:45s} {v:6d} {100*v/tot:5.1f}%')
    print('  threads:', thr.most_common(8))
    print('  top other:', other.most_common(8))
    print('  Parquet write, by leaf method:')
    for k,v in write.most_common(12): print(f'    {k:90s} {100*v/tot:5.1f}%')
