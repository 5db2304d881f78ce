import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Platform price table: USD per million tokens of an upstream model. */
@Entity({ name: 'prices' })
export class PriceEntity {
  @PrimaryColumn({ type: 'text' })
  model!: string;

  @Column({ name: 'input_per_mtok', type: 'double precision' })
  inputPerMtok!: number;

  @Column({ name: 'output_per_mtok', type: 'double precision' })
  outputPerMtok!: number;

  @Column({ name: 'context_window', type: 'integer' })
  contextWindow!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
