/** The doctor report as it crosses process boundaries; the engine owns the schema (engine/backend/doctor-report.ts). */
export { DoctorReportSchema, type DoctorReport } from '../engine/backend/doctor-report';
