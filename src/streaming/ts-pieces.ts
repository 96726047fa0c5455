import {
  isRandomAccess,
  isVideoStreamId,
  PacketAligner,
  packetPid,
  PAT_PID,
  pcrSeconds,
  pesStart,
  pmtPidFromPat,
  startsPayloadUnit,
  TS_PACKET_SIZE,
} from './mpegts.js';

/**
 * A run of whole MPEG-TS packets from the packager, cut so that every keyframe starts a piece.
 * Pieces are what the segmenter cuts segments from and what `.ts` viewers receive.
 */
export interface TsPiece {
  data: Buffer;
  /** The run's stream clock at the end of the piece: seconds of PCR since the run's first PCR. */
  clockSeconds: number;
  /** Set when the piece starts with a video keyframe: its PTS in seconds. */
  keyframePtsSeconds?: number;
  /**
   * The PAT and PMT in force where the piece starts (the newest ones before it). A segment or
   * a viewer that starts here opens on these copies: continuity counters then run on exactly
   * (the copy is a legal duplicate of the last table packet), where a newer table would make
   * the ones that follow look like a discontinuity.
   */
  pat?: Buffer;
  pmt?: Buffer;
}

/** Pieces are split at least this often (packets), so pacing stays fine-grained at any bitrate. */
const MAX_PIECE_PACKETS = 64;

/**
 * Reads one packager run's MPEG-TS output: splits it into pieces at keyframes and every few
 * dozen packets, tracks the stream clock (PCR) and keeps the newest PAT and PMT, which every
 * segment and every new viewer starts with.
 */
export class TsPieceReader {
  private readonly aligner = new PacketAligner();
  private pmtPid: number | undefined;
  private readonly videoPids = new Set<number>();
  private firstPcr: number | undefined;
  private lastPcr: number | undefined;
  private lastVideoPts: number | undefined;
  /** Copies of the newest PAT and PMT packets (ffmpeg writes each in one packet). */
  private pat: Buffer | undefined;
  private pmt: Buffer | undefined;

  /** The stream clock so far (seconds since the run's first PCR). */
  get clockSeconds(): number {
    return this.firstPcr === undefined || this.lastPcr === undefined ? 0 : this.lastPcr - this.firstPcr;
  }

  get videoPtsSeconds(): number | undefined {
    return this.lastVideoPts;
  }

  /** The pieces in `chunk` (plus whatever partial packet was left from the one before). */
  read(chunk: Buffer): TsPiece[] {
    const data = this.aligner.push(chunk);
    const pieces: TsPiece[] = [];
    let pieceStart = 0;
    let pieceKeyframe: number | undefined;
    let tables = { pat: this.pat, pmt: this.pmt };
    const cut = (end: number): void => {
      if (end > pieceStart) pieces.push({ data: data.subarray(pieceStart, end), clockSeconds: this.clockSeconds, keyframePtsSeconds: pieceKeyframe, ...tables });
      pieceStart = end;
      pieceKeyframe = undefined;
      tables = { pat: this.pat, pmt: this.pmt };
    };
    for (let offset = 0; offset < data.length; offset += TS_PACKET_SIZE) {
      if ((offset - pieceStart) / TS_PACKET_SIZE >= MAX_PIECE_PACKETS) cut(offset);
      const pid = packetPid(data, offset);
      if (pid === PAT_PID) {
        this.pmtPid = pmtPidFromPat(data, offset) ?? this.pmtPid;
        this.pat = Buffer.from(data.subarray(offset, offset + TS_PACKET_SIZE));
      } else if (pid === this.pmtPid && startsPayloadUnit(data, offset)) {
        this.pmt = Buffer.from(data.subarray(offset, offset + TS_PACKET_SIZE));
      }
      const pes = pesStart(data, offset);
      if (pes && isVideoStreamId(pes.streamId)) this.videoPids.add(pid);
      if (pes?.ptsSeconds !== undefined && this.videoPids.has(pid)) {
        this.lastVideoPts = pes.ptsSeconds;
        if (isRandomAccess(data, offset)) {
          cut(offset);
          pieceKeyframe = pes.ptsSeconds;
        }
      }
      const pcr = pcrSeconds(data, offset);
      if (pcr !== undefined) {
        this.firstPcr ??= pcr;
        this.lastPcr = pcr;
      }
    }
    cut(data.length);
    return pieces;
  }
}
