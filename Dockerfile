# deskpulse ingest/processor image, for docker-compose.yml (users' machines; no Docker engine runs here).
FROM node:20.20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# Not `npm ci`: chdb lists engine packages for other platforms that the registry does not serve,
# so the lockfile cannot name them and `npm ci` refuses it (scripts/bootstrap.sh says the same).
RUN npm install --omit=dev --no-audit --no-fund --loglevel=error
COPY . .
ENV NODE_ENV=production DESKPULSE_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["node", "bin/deskpulse.js"]
CMD ["start"]
