# deskpulse ingest/processor image, for docker-compose.yml (users' machines; no Docker engine runs here).
FROM node:20.20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
ENV NODE_ENV=production DESKPULSE_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["node", "bin/deskpulse.js"]
CMD ["start"]
